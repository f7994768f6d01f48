# Run inside an execution: FactoryCI's MariaDB and Redis share this machine's loopback network with the sandbox.
# Neither may answer without the password that only FactoryCI's processes hold.
out=$(mariadb -h127.0.0.1 -P"$DB_PORT" -uroot -e 'SELECT 1' 2>&1)
if [ $? -eq 0 ]; then echo "ALLOWED MariaDB as root without a password"; else echo "BLOCKED MariaDB as root without a password: $out"; fi
out=$(mariadb -h127.0.0.1 -P"$DB_PORT" -uanyone -e 'SELECT 1' 2>&1)
if [ $? -eq 0 ]; then echo "ALLOWED MariaDB as an anonymous user"; else echo "BLOCKED MariaDB as an anonymous user: $out"; fi
out=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" keys '*' 2>&1)
case "$out" in
  *NOAUTH*) echo "BLOCKED Redis without a password: $out" ;;
  *) echo "ALLOWED Redis without a password: $out" ;;
esac
exit 0
