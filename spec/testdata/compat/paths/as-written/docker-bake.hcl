target "default" {
  context    = "./app"
  dockerfile = "./build/Dockerfile"
  contexts   = { tools = "./tools", abs = "/opt/tools", up = "../shared" }
  output     = ["type=local,dest=./bin/build"]
  cache-from = ["type=local,src=/tmp/.buildx-cache"]
  cache-to   = ["type=local,dest=/tmp/.buildx-cache-new,mode=max"]
  secret     = ["id=npm,src=./.npmrc"]
}
