// The message of the unipose::Error a call throws, for tests that check what a user would read.
#pragma once

#include <functional>
#include <string>

#include "core/error.h"

namespace unipose::testing {

// The error's message, or "" when `f` throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace unipose::testing
