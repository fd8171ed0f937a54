import type { Http2ServerRequest, Http2ServerResponse, OutgoingHttpHeaders } from "node:http2";

/**
 * gRPC's spec (PROTOCOL-HTTP2.md) percent-encodes `grpc-message` only outside
 * printable ASCII (0x20-0x7E) and for "%" itself. connect-es encodes with
 * encodeURIComponent, which also escapes ":" "," "/" and friends, and grpc-js
 * decodes with decodeURI, which leaves those escaped: a grpc-js client would
 * read "port%3A must be..." instead of "port: must be...". Rewriting the header
 * into the spec's form reads correctly in every client (grpc-go, grpc-java,
 * grpc-js, connect-es all decode it).
 */
export function specEncodeGrpcMessage(value: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return value;
  }
  let out = "";
  for (const byte of Buffer.from(decoded, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function fix(headers: OutgoingHttpHeaders | undefined): void {
  const message = headers?.["grpc-message"];
  if (headers !== undefined && typeof message === "string") headers["grpc-message"] = specEncodeGrpcMessage(message);
}

type Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

/** Wraps a request handler so every grpc-message it sends (trailers, or trailers-only headers) is spec-encoded. */
export function withSpecGrpcMessage(handler: Handler): Handler {
  return (req, res) => {
    const writeHead = res.writeHead.bind(res) as (status: number, headers?: OutgoingHttpHeaders) => Http2ServerResponse;
    const addTrailers = res.addTrailers.bind(res);
    Object.assign(res, {
      writeHead(status: number, headers?: OutgoingHttpHeaders) {
        fix(headers);
        return writeHead(status, headers);
      },
      addTrailers(trailers: OutgoingHttpHeaders) {
        fix(trailers);
        addTrailers(trailers);
      },
    });
    handler(req, res);
  };
}
