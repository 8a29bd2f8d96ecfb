// A tiny program that needs fixture_library (see CMakeLists.txt); measured
// by measurement_test, never run.
extern "C" int CofferFixtureValue();

int main() { return CofferFixtureValue() == 42 ? 0 : 1; }
