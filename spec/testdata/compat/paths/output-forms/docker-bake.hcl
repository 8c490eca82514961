target "default" {
  output = ["./out", "type=tar,dest=./x.tar", "type=oci,dest=/tmp/x.tar", "-"]
}
