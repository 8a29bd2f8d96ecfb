# free_port: a TCP port on 127.0.0.1 that nothing listens on now. Below
# Linux's ephemeral range (32768 and up), so that no outgoing connection
# takes it before its server binds it: some cannot choose again (etcd, whose
# peers know its port).
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 12768))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
  done
  return 1
}
