0/* every construct the parser knows */
locals {
  a = -1.5e3
  b = !true
  c = [for s in var.list : upper(s) if s != ""]
  d = { for k, v in var.map : k => v... }
  e = var.x ? "yes" : "no"
  f = "a ${var.b} c %{ if true }d%{ endif } $${literal}"
  g = <<-EOT
      indented ${local.a}
    text
    EOT
  h = <<EOF2
plain "quotes" \n
EOF2
  i = provider::ns::fn(1, [2, 3]...)
  j = data.x.y[0].z[*].w
  k = { "a.b" = 1, c = null, (var.k) = 2 }
  l = "\u00e9\U0001F600\t\"\\"
  m = a.0.b
}
block "one" two { x = 1 }
