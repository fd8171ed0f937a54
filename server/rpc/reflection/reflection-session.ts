import { create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type {
  ServerReflectionRequest,
  ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflectionResponseSchema } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { quoteInput } from "../../domain/quote-input.js";
import type { IndexedFile, ReflectionIndex } from "./reflection-index.js";

type ResponseBody = NonNullable<
  MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"]
>;

/**
 * The state of one ServerReflectionInfo stream. The protocol is one response
 * per request, in order; the only thing remembered between requests is which
 * files this stream has already been sent.
 */
export interface ReflectionSession {
  /**
   * Answers one request. Never throws for a bad request: per the protocol,
   * an unknown name or a malformed request is an error_response on the
   * stream, so the client can keep using it.
   */
  answer(request: ServerReflectionRequest): ServerReflectionResponse;
}

/**
 * Starts the state for a new stream. Requests are answered in the v1 message
 * types; v1alpha is wire-identical and is transcoded by the caller.
 */
export function createReflectionSession(index: ReflectionIndex): ReflectionSession {
  // Files sent on this stream. The protocol lets a server skip a
  // FileDescriptorProto "already sent to the client in the same stream".
  // grpc-go's reference server does exactly that (it always includes the file
  // asked for, and skips only dependencies sent before); grpc-java resends the
  // full closure. We follow grpc-go: clients have to cope with it anyway,
  // since grpc-go is the most deployed server, and both buf curl and grpcurl
  // keep every file received for the life of the stream and fetch any import
  // they lack with file_by_filename. A new stream starts from nothing, so a
  // client that reconnects still receives everything it needs.
  const sent = new Set<string>();

  function filesFrom(requested: IndexedFile): ResponseBody {
    const out: Uint8Array[] = [];
    const queued = new Set<string>([requested.name]);
    const queue: IndexedFile[] = [requested];
    // Breadth-first, the requested file first, as both reference servers do.
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      if (file === requested || !sent.has(file.name)) {
        out.push(file.bytes);
        sent.add(file.name);
      }
      for (const dependency of file.dependencies) {
        if (queued.has(dependency.name)) continue;
        queued.add(dependency.name);
        queue.push(dependency);
      }
    }
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: out } };
  }

  function respond(request: ServerReflectionRequest): ResponseBody {
    const message = request.messageRequest;
    switch (message.case) {
      case "listServices":
        return {
          case: "listServicesResponse",
          value: { service: index.serviceNames.map((name) => ({ name })) },
        };
      case "fileByFilename": {
        const file = index.fileByName(message.value);
        return file === undefined
          ? error(Code.NotFound, `file ${quoteInput(message.value)} not found`)
          : filesFrom(file);
      }
      case "fileContainingSymbol": {
        const file = index.fileContainingSymbol(message.value);
        return file === undefined
          ? error(Code.NotFound, `symbol ${quoteInput(message.value)} not found`)
          : filesFrom(file);
      }
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = message.value;
        if (!index.hasMessage(containingType)) {
          return error(Code.NotFound, `message type ${quoteInput(containingType)} not found`);
        }
        const file = index.fileContainingExtension(containingType, extensionNumber);
        return file === undefined
          ? error(Code.NotFound, `extension ${extensionNumber} of ${quoteInput(containingType)} not found`)
          : filesFrom(file);
      }
      case "allExtensionNumbersOfType": {
        const typeName = message.value;
        if (!index.hasMessage(typeName)) {
          return error(Code.NotFound, `message type ${quoteInput(typeName)} not found`);
        }
        return {
          case: "allExtensionNumbersResponse",
          value: { baseTypeName: typeName, extensionNumber: [...index.extensionNumbersOf(typeName)] },
        };
      }
      case undefined:
        return error(Code.InvalidArgument, "message_request is not set");
    }
  }

  return {
    answer(request) {
      return create(ServerReflectionResponseSchema, {
        // Both reference servers echo the host the client named.
        validHost: request.host,
        originalRequest: request,
        messageResponse: respond(request),
      });
    },
  };
}

function error(code: Code, message: string): ResponseBody {
  return { case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}
