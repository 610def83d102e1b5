"""Every experiment config in a folder becomes its Bazel targets.

An experiment is data: experiments/NAME.json (over the shared fragments in
experiments/presets/ it names). `sdbench_experiments()` gives each file
  NAME             `bazel run //experiments:NAME -- [runner flags]`, or
                   bazel-bin/experiments/NAME [runner flags] started directly
  NAME_smoke_test  runs every arm on synthetic data for a few steps (the
                   config's "smoke" profile) and validates the result files.
"""

def sdbench_experiment(name, config):
    """Declares the run target and the smoke test of one experiment.

    Args:
      name: the experiment's target name (the config file's stem).
      config: the JSON config file, in this package.
    """

    # The launcher carries the config's path itself, so the program runs
    # the same from `bazel run` and when started directly.
    native.genrule(
        name = name + "_launcher",
        srcs = ["//experiments:run_experiment.sh"],
        outs = [name + "_launcher.sh"],
        cmd = "sed 's|@CONFIG@|%s/%s|' $< > $@" % (native.package_name(), config),
    )
    native.sh_binary(
        name = name,
        srcs = [name + "_launcher.sh"],
        data = [
            config,
            "//experiments:presets",
            "//experiments:runner",
        ],
    )
    native.sh_test(
        name = name + "_smoke_test",
        size = "medium",
        srcs = ["//experiments:smoke_test.sh"],
        args = [
            "$(rootpath //experiments:runner)",
            "$(rootpath %s)" % config,
            "$(rootpath //lib/results:validate)",
        ],
        data = [
            config,
            "//experiments:presets",
            "//experiments:runner",
            "//lib/results:validate",
        ],
    )

def sdbench_experiments(configs):
    """Declares the targets of every config in `configs` (file names)."""
    for config in configs:
        sdbench_experiment(name = config[:-len(".json")], config = config)
