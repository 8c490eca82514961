# api and worker build on base (a target: context); migrate must finish
# before api (depends_on); tools is not selected by default.
group "default" {
  targets = ["api", "worker"]
}
target "base" {
  context   = "base"
  platforms = ["linux/amd64", "linux/arm64"]
}
target "migrate" {
  context = "tools"
  output  = ["type=local,dest=out/migrate"]
}
target "api" {
  context    = "api"
  contexts   = { base = "target:base" }
  depends_on = ["migrate"]
  platforms  = ["linux/amd64", "linux/arm64"]
  tags       = ["registry.example.com/api:1.0"]
  output     = ["type=image,push=true"]
}
target "worker" {
  context   = "worker"
  contexts  = { base = "target:base" }
  platforms = ["linux/amd64"]
  output    = ["type=oci,dest=out/worker.tar"]
}
target "tools" {
  context = "tools"
}
