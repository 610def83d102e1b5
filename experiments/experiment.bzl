"""One macro turns an experiment config into its Bazel targets.

An experiment is data (a JSON config in this folder) plus a name:
  NAME             `bazel run //experiments:NAME -- [runner flags]`
  NAME_smoke_test  runs every arm on synthetic data for a few steps (the
                   config's "smoke" profile) and validates the result files.
"""

def sdbench_experiment(name, config, default_args = [], smoke_size = "medium"):
    """Declares the run target and the smoke test of one experiment.

    Args:
      name: the experiment's target name.
      config: the JSON config file (label).
      default_args: runner flags the target passes first (a user's own flags
        come later and win), e.g. ["--profile=reduced"].
      smoke_size: Bazel test size of the smoke test.
    """
    native.sh_binary(
        name = name,
        srcs = ["//experiments:run_experiment.sh"],
        args = ["$(rootpath %s)" % config] + default_args,
        data = [
            config,
            "//experiments:runner",
        ],
    )
    native.sh_test(
        name = name + "_smoke_test",
        size = smoke_size,
        srcs = ["//experiments:smoke_test.sh"],
        args = [
            "$(rootpath //experiments:runner)",
            "$(rootpath %s)" % config,
            "$(rootpath //lib/results:validate)",
        ],
        data = [
            config,
            "//experiments:runner",
            "//lib/results:validate",
        ],
    )
