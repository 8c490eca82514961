# OPTIONS: strict
target "lonely" { # ERROR(no-output): No output @8
}
