# OPTIONS: allow=fs.write=/tmp/xbake-allowed
target "outside" {
  output = ["type=local,dest=/tmp/xbake-allowed/out"]
}
target "elsewhere" {
  output = ["type=tar,dest=/var/tmp/x.tar"] # ERROR(output-outside-tree): Output outside the spec's directory @13
}
