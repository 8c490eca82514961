target "default" {
  secret = ["type=env,id=GITHUB_TOKEN", "id=token,env=TOKEN"]
}
