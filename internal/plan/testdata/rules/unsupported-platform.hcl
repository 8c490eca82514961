builder "farm" {
  driver    = "remote"
  platforms = ["linux/amd64", "linux/arm64"]
  node "amd" {
    endpoint  = "tcp://127.0.0.1:1234"
    platforms = ["linux/amd64"]
  }
}
target "app" {
  builder   = "farm"
  platforms = ["linux/arm64", "linux/riscv64"] # ERROR(unsupported-platform): Unsupported platform @31
  output    = ["type=oci,dest=app.tar"]
}
