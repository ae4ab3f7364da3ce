// A server reflection client that is not Switchboard's: grpc-go's own v1alpha stubs (the
// version Debian ships) and the protobuf module's descriptor resolver, which checks that
// the files a node serves are complete and consistent, as any Go or grpcurl client would.
//
//	reflection-client <host:port> list
//	reflection-client <host:port> describe <symbol>...
//
// list prints one service per line; describe fetches the file of each symbol (and the
// files it imports, by name when the node did not send them), resolves them all, and
// prints what each symbol is. Errors go to stderr with exit code 1.
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

func main() {
	if len(os.Args) < 3 {
		fail("usage: reflection-client <host:port> list | describe <symbol>...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, os.Args[1], grpc.WithInsecure(), grpc.WithBlock())
	check(err)
	defer conn.Close()
	stream, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	check(err)
	ask := func(req *rpb.ServerReflectionRequest) *rpb.ServerReflectionResponse {
		check(stream.Send(req))
		res, err := stream.Recv()
		check(err)
		if e := res.GetErrorResponse(); e != nil {
			fail("error %d: %s", e.ErrorCode, e.ErrorMessage)
		}
		return res
	}
	switch os.Args[2] {
	case "list":
		res := ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}})
		for _, s := range res.GetListServicesResponse().Service {
			fmt.Println(s.Name)
		}
	case "describe":
		files := map[string]*descriptorpb.FileDescriptorProto{}
		add := func(res *rpb.ServerReflectionResponse) {
			for _, b := range res.GetFileDescriptorResponse().FileDescriptorProto {
				fd := &descriptorpb.FileDescriptorProto{}
				check(proto.Unmarshal(b, fd))
				files[fd.GetName()] = fd
			}
		}
		for _, symbol := range os.Args[3:] {
			add(ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: symbol}}))
		}
		for missing := missingFiles(files); len(missing) > 0; missing = missingFiles(files) {
			for _, name := range missing {
				add(ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_FileByFilename{FileByFilename: name}}))
			}
		}
		set := &descriptorpb.FileDescriptorSet{}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			set.File = append(set.File, files[name])
		}
		registry, err := protodesc.NewFiles(set)
		check(err)
		fmt.Printf("files %s\n", strings.Join(names, " "))
		for _, symbol := range os.Args[3:] {
			d, err := registry.FindDescriptorByName(protoreflect.FullName(symbol))
			check(err)
			describe(d)
		}
	default:
		fail("unknown command %q", os.Args[2])
	}
	check(stream.CloseSend())
}

func describe(d protoreflect.Descriptor) {
	switch d := d.(type) {
	case protoreflect.ServiceDescriptor:
		fmt.Printf("service %s in %s\n", d.FullName(), d.ParentFile().Path())
		for i := 0; i < d.Methods().Len(); i++ {
			describe(d.Methods().Get(i))
		}
	case protoreflect.MethodDescriptor:
		fmt.Printf("method %s(%s%s) returns (%s%s)\n", d.FullName(), stream(d.IsStreamingClient()), d.Input().FullName(), stream(d.IsStreamingServer()), d.Output().FullName())
	case protoreflect.MessageDescriptor:
		fmt.Printf("message %s in %s\n", d.FullName(), d.ParentFile().Path())
		for i := 0; i < d.Fields().Len(); i++ {
			f := d.Fields().Get(i)
			fmt.Printf("field %s %s = %d json=%s\n", f.Name(), fieldType(f), f.Number(), f.JSONName())
		}
	default:
		fmt.Printf("%T %s\n", d, d.FullName())
	}
}

func fieldType(f protoreflect.FieldDescriptor) string {
	if f.IsMap() {
		return fmt.Sprintf("map<%s, %s>", fieldType(f.MapKey()), fieldType(f.MapValue()))
	}
	name := f.Kind().String()
	if f.Message() != nil {
		name = string(f.Message().FullName())
	} else if f.Enum() != nil {
		name = string(f.Enum().FullName())
	}
	if f.IsList() {
		return "repeated " + name
	}
	if f.HasOptionalKeyword() {
		return "optional " + name
	}
	return name
}

func stream(yes bool) string {
	if yes {
		return "stream "
	}
	return ""
}

// missingFiles are imported by a fetched file but not fetched yet.
func missingFiles(files map[string]*descriptorpb.FileDescriptorProto) []string {
	var missing []string
	for _, fd := range files {
		for _, dep := range fd.Dependency {
			if _, ok := files[dep]; !ok {
				missing = append(missing, dep)
			}
		}
	}
	sort.Strings(missing)
	return missing
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "reflection-client: "+format+"\n", args...)
	os.Exit(1)
}
