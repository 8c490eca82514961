# A small run that shows every part of `xbake run --report`: a target
# used by others as a context (base), a two-platform target (multi), a
# target that fails on purpose (bad) and one skipped because of it
# (after-bad). scripts/setup copies busybox-amd64 and busybox-arm64 here.
#
#   xbake run --keep-going --report report.html
group "default" {
  targets = ["app", "bad", "multi", "after-bad", "tools"]
}

target "base" {
  dockerfile = "Dockerfile.base"
}

target "app" {
  dockerfile = "Dockerfile.app"
  contexts   = { base = "target:base" }
  output     = ["type=oci,dest=out/app.tar"]
}

target "bad" {
  dockerfile = "Dockerfile.bad"
  contexts   = { base = "target:base" }
  output     = ["type=cacheonly"]
}

target "after-bad" {
  dockerfile-inline = "FROM scratch\nARG TARGETARCH\nCOPY busybox-$${TARGETARCH} /bin/busybox\nRUN [\"/bin/busybox\", \"true\"]\n"
  depends_on        = ["bad"]
  output            = ["type=cacheonly"]
}

target "multi" {
  dockerfile = "Dockerfile.multi"
  platforms  = ["linux/amd64", "linux/arm64"]
  output     = ["type=local,dest=out/multi"]
}

target "tools" {
  dockerfile-inline = "FROM scratch\nARG TARGETARCH\nCOPY busybox-$${TARGETARCH} /bin/busybox\n"
  output            = ["type=cacheonly"]
}
