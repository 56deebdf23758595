#pragma once
// The message of the exception of type E that `fn` throws; a test failure if it throws nothing.

#include <functional>
#include <string>

#include <gtest/gtest.h>

namespace trit::testing {

template <class E>
std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

}  // namespace trit::testing
