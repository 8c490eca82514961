# A single image for two platforms, written as an OCI archive.
#
#   xbake plan            # what would be built
#   xbake run             # build it (needs the local builder, see README)
variable "TAG" {
  default     = "dev"
  description = "Tag of the image"
}

target "hello" {
  description = "A tiny busybox image for amd64 and arm64"
  context     = "."
  platforms   = ["linux/amd64", "linux/arm64"]
  tags        = ["localhost:5000/xbake/hello:${TAG}"]
  output      = [{ type = "oci", dest = "out/hello.tar" }]
}
