#include "lib/results/provenance.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "lib/io/file_io.h"
#include "lib/io/json_file.h"
#include "lib/io/process.h"

namespace sdbench {
namespace {

using Json = nlohmann::json;

// The command's output with surrounding whitespace removed, or nullopt when
// it cannot start or fails.
std::optional<std::string> OutputOf(const std::vector<std::string>& argv) {
  absl::StatusOr<CommandResult> run = RunCommand(argv);
  if (!run.ok() || run->exit_code != 0) return std::nullopt;
  return std::string(absl::StripAsciiWhitespace(run->output));
}

// The stamp at `stamp_path` as git provenance; `unknown` when there is no
// such file, and `unknown` saying so when the stamp is malformed.
Json StampProvenance(const std::string& stamp_path, Json unknown) {
  absl::StatusOr<std::string> text = ReadFileToString(stamp_path);
  if (!text.ok()) return unknown;
  absl::StatusOr<Json> stamp = ParseJson(stamp_path, *text);
  if (!stamp.ok() || !stamp->is_object() || !stamp->contains("commit")) {
    unknown["stamp"] = absl::StrCat(stamp_path, ": unreadable, ignored");
    return unknown;
  }
  Json git = *stamp;
  git["stamp"] = stamp_path;
  return git;
}

}  // namespace

Json GitProvenance(const std::string& dir) {
  const std::string tree = dir.empty() ? WorkspacePath(".") : dir;
  Json git = {{"commit", "unknown"}, {"dirty", nullptr}};
  // A stamp named by the variable wins over git: a copied tree may carry a
  // .git that is not the checkout the stamp was made in (tools/gpu_check.sh).
  const char* env = std::getenv("SDBENCH_SOURCE_STAMP");
  if (env != nullptr) return StampProvenance(env, git);
  if (std::optional<std::string> commit = OutputOf({"git", "-C", tree, "rev-parse", "HEAD"})) {
    git["commit"] = *commit;
    if (std::optional<std::string> status =
            OutputOf({"git", "-C", tree, "status", "--porcelain", "--untracked-files=no"})) {
      git["dirty"] = !status->empty();
    }
    return git;
  }
  return StampProvenance(tree + "/SOURCE_STAMP.json", git);
}

Json SourceProvenance(const std::optional<BuildStamp>& built, const std::string& dir) {
  Json checkout = GitProvenance(dir);
  if (!built.has_value() || built->commit == "unknown") {
    checkout["from"] = "checkout at run time";
    return checkout;
  }
  const Json dirty = built->dirty == "true"    ? Json(true)
                     : built->dirty == "false" ? Json(false)
                                               : Json(nullptr);
  Json git = {{"commit", built->commit},
              {"dirty", dirty},
              {"from", absl::StrCat("build stamp (", built->tool, ")")}};
  if (checkout["commit"] != git["commit"] || checkout["dirty"] != git["dirty"]) {
    git["checkout"] = {{"commit", checkout["commit"]}, {"dirty", checkout["dirty"]}};
    if (checkout.contains("stamp")) git["checkout"]["stamp"] = checkout["stamp"];
  }
  return git;
}

Json MachineProvenance() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const CpuIdentity cpu = ReadCpuIdentity();
  return {{"host", host},
          {"cpu_model", cpu.model_name},
          {"cpu_signature", cpu.Signature()},
          {"cpu_isa", cpu.isa},
          {"logical_cpus", sysconf(_SC_NPROCESSORS_ONLN)},
          {"compiler", __VERSION__}};
}

std::string NowIso8601() {
  std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace sdbench
