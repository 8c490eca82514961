# OPTIONS: load
target "app" {
  platforms = ["linux/amd64,linux/arm64"] # ERROR(multi-platform-load): Multi-platform load @16
  tags      = ["example.com/app:1"]
}
target "same" {
  platforms = ["linux/arm64, linux/arm64/v8"]
  tags      = ["example.com/same:1"]
}
