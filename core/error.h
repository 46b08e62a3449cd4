// The one exception type of UniPose: carries a message a user can act on.
#pragma once

#include <stdexcept>
#include <string>

namespace unipose {

// Every error the core raises for bad input or a failed operation. The message names the file (when there
// is one) and the problem; the CLI prints it on one line and exits non-zero, the GUI shows it in a dialog.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(printable_message(message)) {}
  // One printable line: control characters (newlines included) and bytes that are not valid UTF-8 (say,
  // from a binary file quoted in a parse error) become '?'.
  static std::string printable_message(const std::string& message);
};

// "PATH: problem" when a path is known, "problem" otherwise.
[[noreturn]] void fail(const std::string& path, const std::string& problem);

}  // namespace unipose
