// A typical docker-bake.hcl, read as bake reads it.
variable "REPO" {
  default = "user/webapp"
}
variable "TAG" {
  default = "latest"
}
group "default" {
  targets = ["webapp-dev"]
}
target "webapp-dev" {
  dockerfile = "Dockerfile.webapp"
  tags       = ["${REPO}:${TAG}"]
}
target "webapp-release" {
  inherits  = ["webapp-dev"]
  platforms = ["linux/amd64", "linux/arm64"]
  cache-to  = ["type=inline"]
}
target "db" {
  dockerfile = "Dockerfile.db"
  tags       = ["docker.io/username/db"]
  depends_on = ["webapp-dev"]
}
