#!/usr/bin/python3
"""The Python grpcio side of the interop tests (test/interop/interop.test.ts).

  interop.py server --descriptors set.pb          serve grpc.testing.TestService on 127.0.0.1,
                                                  print "LISTENING <port>", run until stdin closes
  interop.py client --descriptors set.pb --address host:port case...
                                                  run the cases, print "PASS <case>" or
                                                  "FAIL <case>: <reason>" per case

The message classes come from a FileDescriptorSet that the test writes with protobufjs from
the gRPC project's own test/protos/grpc/testing/{empty,messages,test}.proto (no protoc
needed); the service is wired with generic handlers. Cases as in grpc/grpc
doc/interop-test-descriptions.md. The server honours response_compressed (gzip) but, as
grpcio tells a handler nothing of how its request was compressed, not expect_compressed.
"""
import argparse
import queue
import sys
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

SERVICE = 'grpc.testing.TestService'
ECHO_INITIAL = 'x-grpc-test-echo-initial'
ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin'
REQUEST_SIZES = [27182, 8, 1828, 45904]
RESPONSE_SIZES = [31415, 9, 2653, 58979]
SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n'


def load_messages(path):
    with open(path, 'rb') as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    factory = message_factory.MessageFactory(pool)
    names = ['Empty', 'SimpleRequest', 'SimpleResponse', 'StreamingInputCallRequest', 'StreamingInputCallResponse',
             'StreamingOutputCallRequest', 'StreamingOutputCallResponse']
    return {name: factory.GetPrototype(pool.FindMessageTypeByName('grpc.testing.' + name)) for name in names}


def status_code(number):
    return next(code for code in grpc.StatusCode if code.value[0] == number)


# --- server -------------------------------------------------------------------------------

def serve(m):
    def echo_metadata(context):
        incoming = dict(context.invocation_metadata())
        if ECHO_INITIAL in incoming:
            context.send_initial_metadata(((ECHO_INITIAL, incoming[ECHO_INITIAL]),))
        if ECHO_TRAILING in incoming:
            context.set_trailing_metadata(((ECHO_TRAILING, incoming[ECHO_TRAILING]),))

    def fail_if_asked(request, context):
        if request.HasField('response_status') and request.response_status.code != 0:
            context.abort(status_code(request.response_status.code), request.response_status.message)

    def payload_response(cls, size):
        response = cls()
        response.payload.body = b'\0' * size
        return response

    def responses(request, context):
        # CompressedResponse: gzip for the call when any response asks for it, off for those that do not.
        compressed = [params.compressed.value for params in request.response_parameters]
        if any(compressed):
            context.set_compression(grpc.Compression.Gzip)
        for params in request.response_parameters:
            if params.interval_us > 0:
                time.sleep(params.interval_us / 1e6)
            if any(compressed) and not params.compressed.value:
                context.disable_next_message_compression()
            yield payload_response(m['StreamingOutputCallResponse'], params.size)

    def empty_call(request, context):
        echo_metadata(context)
        return m['Empty']()

    def unary_call(request, context):
        echo_metadata(context)
        fail_if_asked(request, context)
        if request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        return payload_response(m['SimpleResponse'], request.response_size)

    def streaming_output_call(request, context):
        echo_metadata(context)
        yield from responses(request, context)
        fail_if_asked(request, context)

    def streaming_input_call(requests, context):
        return m['StreamingInputCallResponse'](aggregated_payload_size=sum(len(r.payload.body) for r in requests))

    def full_duplex_call(requests, context):
        echo_metadata(context)
        for request in requests:
            fail_if_asked(request, context)
            yield from responses(request, context)

    def handler(kind, fn, request, response):
        return kind(fn, request_deserializer=m[request].FromString, response_serializer=m[response].SerializeToString)

    handlers = {
        'EmptyCall': handler(grpc.unary_unary_rpc_method_handler, empty_call, 'Empty', 'Empty'),
        'UnaryCall': handler(grpc.unary_unary_rpc_method_handler, unary_call, 'SimpleRequest', 'SimpleResponse'),
        'StreamingOutputCall': handler(grpc.unary_stream_rpc_method_handler, streaming_output_call,
                                       'StreamingOutputCallRequest', 'StreamingOutputCallResponse'),
        'StreamingInputCall': handler(grpc.stream_unary_rpc_method_handler, streaming_input_call,
                                      'StreamingInputCallRequest', 'StreamingInputCallResponse'),
        'FullDuplexCall': handler(grpc.stream_stream_rpc_method_handler, full_duplex_call,
                                  'StreamingOutputCallRequest', 'StreamingOutputCallResponse'),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port('127.0.0.1:0')
    server.start()
    print(f'LISTENING {port}', flush=True)
    sys.stdin.read()  # the test closes stdin (or kills the process) to stop the server
    server.stop(0)


# --- client -------------------------------------------------------------------------------

def run_cases(m, address, cases):
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=10)

    def method(kind, name, request, response):
        return getattr(channel, kind)(f'/{SERVICE}/{name}', request_serializer=m[request].SerializeToString,
                                      response_deserializer=m[response].FromString)

    empty_call = method('unary_unary', 'EmptyCall', 'Empty', 'Empty')
    unary_call = method('unary_unary', 'UnaryCall', 'SimpleRequest', 'SimpleResponse')
    unimplemented_call = method('unary_unary', 'UnimplementedCall', 'Empty', 'Empty')
    unimplemented_service_call = channel.unary_unary('/grpc.testing.UnimplementedService/UnimplementedCall',
                                                     request_serializer=m['Empty'].SerializeToString,
                                                     response_deserializer=m['Empty'].FromString)
    streaming_output = method('unary_stream', 'StreamingOutputCall', 'StreamingOutputCallRequest',
                              'StreamingOutputCallResponse')
    streaming_input = method('stream_unary', 'StreamingInputCall', 'StreamingInputCallRequest',
                             'StreamingInputCallResponse')
    full_duplex = method('stream_stream', 'FullDuplexCall', 'StreamingOutputCallRequest',
                         'StreamingOutputCallResponse')

    def large_request():
        request = m['SimpleRequest'](response_size=314159)
        request.payload.body = b'\0' * 271828
        return request

    def check_payload(payload, size, what):
        assert payload.type == 0, f'{what}: payload type {payload.type} is not COMPRESSABLE'
        assert payload.body == b'\0' * size, f'{what}: payload of {len(payload.body)} bytes, not {size} zeros'

    def input_request(size, expect_compressed):
        request = m['StreamingInputCallRequest']()
        request.payload.body = b'\0' * size
        request.expect_compressed.value = expect_compressed
        return request

    def ping(i):
        request = m['StreamingOutputCallRequest']()
        request.response_parameters.add(size=RESPONSE_SIZES[i])
        request.payload.body = b'\0' * REQUEST_SIZES[i]
        return request

    def status_request(cls, message):
        request = cls()
        request.response_status.code = 2
        request.response_status.message = message
        return request

    def expect_code(fn, code, details=None):
        try:
            fn()
        except grpc.RpcError as error:
            assert error.code() == code, f'expected {code}, got {error.code()}: {error.details()}'
            if details is not None:
                assert error.details() == details, f'details {error.details()!r} != {details!r}'
            return
        raise AssertionError(f'expected {code}, the call succeeded')

    class Requests:
        """A request iterator the case feeds as it goes."""

        def __init__(self):
            self.queue = queue.Queue()

        def push(self, item):
            self.queue.put(item)

        def end(self):
            self.queue.put(None)

        def __iter__(self):
            return iter(self.queue.get, None)

    def empty_unary():
        assert empty_call(m['Empty']()) == m['Empty']()

    def large_unary():
        assert len(unary_call(large_request()).payload.body) == 314159

    def client_streaming():
        requests = [m['StreamingInputCallRequest']() for _ in REQUEST_SIZES]
        for request, size in zip(requests, REQUEST_SIZES):
            request.payload.body = b'\0' * size
        assert streaming_input(iter(requests)).aggregated_payload_size == 74922

    def server_streaming():
        request = m['StreamingOutputCallRequest']()
        for size in RESPONSE_SIZES:
            request.response_parameters.add(size=size)
        assert [len(r.payload.body) for r in streaming_output(request)] == RESPONSE_SIZES

    def ping_pong():
        requests = Requests()
        call = full_duplex(iter(requests))
        sizes = []
        for i in range(len(REQUEST_SIZES)):
            requests.push(ping(i))
            sizes.append(len(next(call).payload.body))
        requests.end()
        assert list(call) == []
        assert sizes == RESPONSE_SIZES, sizes

    def empty_stream():
        assert list(full_duplex(iter([]))) == []

    def cancel_after_begin():
        requests = Requests()
        future = streaming_input.future(iter(requests))
        future.cancel()
        requests.end()
        assert future.code() == grpc.StatusCode.CANCELLED, future.code()

    def cancel_after_first_response():
        requests = Requests()
        call = full_duplex(iter(requests))
        requests.push(ping(0))
        assert len(next(call).payload.body) == RESPONSE_SIZES[0]
        call.cancel()
        requests.end()
        assert call.code() == grpc.StatusCode.CANCELLED, call.code()

    def timeout_on_sleeping_server():
        requests = Requests()
        call = full_duplex(iter(requests), timeout=0.001)
        request = m['StreamingOutputCallRequest']()
        request.payload.body = b'\0' * 27182
        requests.push(request)
        expect_code(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED)
        requests.end()

    def custom_metadata():
        trailing = b'\xab\xab\xab'
        metadata = ((ECHO_INITIAL, 'test_initial_metadata_value'), (ECHO_TRAILING, trailing))

        def check(call):
            assert (ECHO_INITIAL, 'test_initial_metadata_value') in call.initial_metadata(), call.initial_metadata()
            assert (ECHO_TRAILING, trailing) in call.trailing_metadata(), call.trailing_metadata()

        _, call = unary_call.with_call(large_request(), metadata=metadata)
        check(call)
        stream = full_duplex(iter([ping(0)]), metadata=metadata)
        assert [len(r.payload.body) for r in stream] == [RESPONSE_SIZES[0]]
        check(stream)

    def status_code_and_message():
        message = 'test status message'
        expect_code(lambda: unary_call(status_request(m['SimpleRequest'], message)), grpc.StatusCode.UNKNOWN, message)
        request = status_request(m['StreamingOutputCallRequest'], message)
        expect_code(lambda: list(full_duplex(iter([request]))), grpc.StatusCode.UNKNOWN, message)

    def special_status_message():
        request = status_request(m['SimpleRequest'], SPECIAL_MESSAGE)
        expect_code(lambda: unary_call(request), grpc.StatusCode.UNKNOWN, SPECIAL_MESSAGE)

    def unimplemented_method():
        expect_code(lambda: unimplemented_call(m['Empty']()), grpc.StatusCode.UNIMPLEMENTED)

    def unimplemented_service():
        expect_code(lambda: unimplemented_service_call(m['Empty']()), grpc.StatusCode.UNIMPLEMENTED)

    def client_compressed_unary():
        def request(expect_compressed):
            request = large_request()
            request.expect_compressed.value = expect_compressed
            return request

        # The probe: an uncompressed request that says it is compressed.
        expect_code(lambda: unary_call(request(True)), grpc.StatusCode.INVALID_ARGUMENT)
        check_payload(unary_call(request(True), compression=grpc.Compression.Gzip).payload, 314159, 'compressed')
        check_payload(unary_call(request(False)).payload, 314159, 'uncompressed')

    def client_compressed_streaming():
        probe = [input_request(27182, True)]
        expect_code(lambda: streaming_input(iter(probe)), grpc.StatusCode.INVALID_ARGUMENT)
        # grpcio compresses per call, not per message: the second message is compressed too.
        requests = [input_request(27182, True), input_request(45904, False)]
        reply = streaming_input(iter(requests), compression=grpc.Compression.Gzip)
        assert reply.aggregated_payload_size == 73086, reply.aggregated_payload_size

    def server_compressed_unary():
        # grpcio decompresses before the case sees a response: the flag itself is not checked.
        for compressed in (True, False):
            request = large_request()
            request.response_compressed.value = compressed
            check_payload(unary_call(request).payload, 314159, f'response_compressed {compressed}')

    def server_compressed_streaming():
        request = m['StreamingOutputCallRequest']()
        request.response_parameters.add(size=31415).compressed.value = True
        request.response_parameters.add(size=92653).compressed.value = False
        replies = list(streaming_output(request))
        assert len(replies) == 2, len(replies)
        check_payload(replies[0].payload, 31415, 'response 0')
        check_payload(replies[1].payload, 92653, 'response 1')

    known = {name: fn for name, fn in locals().items() if callable(fn) and not name.startswith('_')}
    failed = False
    for name in cases:
        try:
            known[name]()
            print(f'PASS {name}', flush=True)
        except Exception as error:  # noqa: BLE001 - every failure is reported, then the next case runs
            failed = True
            print(f'FAIL {name}: {type(error).__name__}: {error}'.replace('\n', ' '), flush=True)
    channel.close()
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('role', choices=['server', 'client'])
    parser.add_argument('--descriptors', required=True)
    parser.add_argument('--address')
    parser.add_argument('cases', nargs='*')
    args = parser.parse_intermixed_args()
    messages = load_messages(args.descriptors)
    if args.role == 'server':
        serve(messages)
        return 0
    return run_cases(messages, args.address, args.cases)


if __name__ == '__main__':
    sys.exit(main())
