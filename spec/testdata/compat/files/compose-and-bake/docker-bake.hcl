target "web" {
  tags = ["repo/web:bake"]
  platforms = ["linux/arm64"]
}
