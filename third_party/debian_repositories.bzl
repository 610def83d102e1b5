"""Repository rules that make Debian's Bazel packages usable offline.

Bazel 4.2.3 (Debian's bazel-bootstrap) cannot load Debian's rules_cc 0.0.4
as is, and wants to download the coverage tools for every cc_test. These
rules work around both without touching the network.
"""

_RULES_CC_SOURCE = "/usr/share/bazel/rules/cc"

_FILES_USING_NEW_TOOLCHAIN_API = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _debian_rules_cc_impl(repository_ctx):
    result = repository_ctx.execute(["cp", "-r", _RULES_CC_SOURCE + "/.", "."])
    if result.return_code != 0:
        fail("cannot copy %s (is bazel-rules-cc installed?): %s" %
             (_RULES_CC_SOURCE, result.stderr))

    # use_cpp_toolchain() appeared after Bazel 4.2.3; spell out what it returns.
    for path in _FILES_USING_NEW_TOOLCHAIN_API:
        text = repository_ctx.read(path)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        repository_ctx.file(path, text)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    doc = "Debian's rules_cc, patched to load under Bazel 4.2.3.",
    local = True,
)

_FAILING_TOOL = """#!/bin/sh
echo "bazel coverage is not available in this offline build" >&2
exit 1
"""

def _disabled_coverage_tools_impl(repository_ctx):
    repository_ctx.file("WORKSPACE", "")
    repository_ctx.file("fail.sh", _FAILING_TOOL, executable = True)
    repository_ctx.file("BUILD", """
package(default_visibility = ["//visibility:public"])

sh_binary(name = "coverage_report_generator", srcs = ["fail.sh"])

sh_binary(name = "lcov_merger", srcs = ["fail.sh"])
""")

disabled_coverage_tools = repository_rule(
    implementation = _disabled_coverage_tools_impl,
    doc = "Stands in for @remote_coverage_tools so cc_test needs no download.",
)
