# xbake's own container image: xbake with the buildkitd and buildctl it
# speaks, runc and qemu, for a CI job to run in (docs/ci.md). Built with
# xbake on the local builder from files this machine has:
#
#   bash scripts/setup && bash scripts/image-rootfs
#   ./bin/xbake run --load                      # into the local Docker engine
#   ./bin/xbake run --set image.tags=ghcr.io/acme/xbake:1 --set image.output=type=registry
variable "TAG" {
  default     = "dev"
  description = "Tag of xbake's image"
}

target "image" {
  description = "xbake, buildkitd, buildctl, runc and qemu in one image (this machine's architecture)"
  context     = "bin/image-rootfs"
  dockerfile-inline = <<-EOT
    FROM scratch
    COPY . /
    ENV PATH=/usr/local/bin:/usr/bin:/bin XBAKE_STATE_DIR=/var/lib/xbake
    WORKDIR /src
    ENTRYPOINT ["xbake"]
    CMD ["run"]
  EOT
  tags   = ["xbake/xbake:${TAG}"]
  output = [{ type = "oci", dest = "bin/xbake-image.tar" }]
}
