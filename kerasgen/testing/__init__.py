from kerasgen.testing.test_case import TestCase
