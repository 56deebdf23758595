// trit-selftest: see driver/selftest/selftest_cli.cpp and docs/driver.md.
#include "selftest.hpp"

int main(int argc, char** argv) { return trit::driver::selftest_main(argc, argv); }
