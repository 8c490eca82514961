target "default" {
  secret = ["id=a,src=./a.txt", "id=b,env=B_TOKEN", "type=env,id=C,env=C_VAR"]
}
