# Runs the gRPC project's interop server (server.rb from the grpc gem) unchanged, except
# that it binds 127.0.0.1 rather than 0.0.0.0 and prints the bound port, so it can be
# started on port 0: `ruby ruby-server.rb <path/to/server.rb> --port=0 --use_tls=false`.
require 'grpc'

# Loopback binding and port report around GRPC::RpcServer#add_http2_port.
module LoopbackPort
  def add_http2_port(host, creds)
    port = super(host.sub(/\A0\.0\.0\.0:/, '127.0.0.1:'), creds)
    $stdout.puts "LISTENING #{port}"
    $stdout.flush
    port
  end
end
GRPC::RpcServer.prepend(LoopbackPort)

load ARGV.shift
