target "base" { platforms = ["linux/amd64"] }
target "default" {
  contexts = { base = "target:base" }
  platforms = ["linux/amd64", "linux/arm64"]
}
