// Maps option names used in configs and flags ("linear", "avg2x2", ...) to
// enum values and back. An unknown name is an error that lists the known
// ones, so a typo in a config never silently picks a default.
#ifndef SDBENCH_LIB_BASE_NAMED_ENUM_H_
#define SDBENCH_LIB_BASE_NAMED_ENUM_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace sdbench {

template <typename Enum>
struct NamedValue {
  const char* name;
  Enum value;
};

// Returns the value called `name`; `what` names the option in the error.
template <typename Enum, size_t N>
absl::StatusOr<Enum> ParseNamed(absl::string_view what, absl::string_view name,
                                const NamedValue<Enum> (&table)[N]) {
  std::string known;
  for (const NamedValue<Enum>& entry : table) {
    if (name == entry.name) return entry.value;
    absl::StrAppend(&known, known.empty() ? "" : ", ", "'", entry.name, "'");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown ", what, " '", name, "' (known: ", known, ")"));
}

template <typename Enum, size_t N>
const char* NameOf(Enum value, const NamedValue<Enum> (&table)[N]) {
  for (const NamedValue<Enum>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "invalid";
}

}  // namespace sdbench

#endif  // SDBENCH_LIB_BASE_NAMED_ENUM_H_
