target "app" {
  platforms = ["linux/amd64", "linux/arm64"] # ERROR(multi-platform-load): Multi-platform load @16
  output    = ["type=docker,dest=app.tar"]
}
target "single" {
  platforms = ["linux/amd64"]
  output    = ["type=docker,dest=single.tar"]
}
