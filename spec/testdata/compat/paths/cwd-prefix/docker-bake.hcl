target "default" {
  context  = "cwd://app"
  contexts = { tools = "cwd://tools" }
  output   = ["type=local,dest=cwd://out"]
}
