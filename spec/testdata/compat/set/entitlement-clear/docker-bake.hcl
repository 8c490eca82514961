target "app" {
  tags = ["repo/app:1"]
  annotations = ["a=1"]
  entitlements = ["network.host"]
  output = ["type=image"]
}
