// A tiny shared library for measurement_test: its contents are measured,
// never run.
extern "C" int CofferFixtureValue() { return 42; }
