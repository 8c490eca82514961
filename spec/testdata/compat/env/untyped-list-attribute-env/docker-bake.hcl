variable "PLATFORMS" {
  default = ["linux/amd64"]
}
target "default" {
  platforms = PLATFORMS
}
