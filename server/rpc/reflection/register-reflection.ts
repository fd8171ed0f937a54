import type { DescService } from "@bufbuild/protobuf";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { createReflectionIndex } from "./reflection-index.js";
import { createReflectionSession } from "./reflection-session.js";

/**
 * Serves gRPC server reflection, both grpc.reflection.v1 and the older
 * grpc.reflection.v1alpha that some clients still only speak, so grpcurl and
 * buf curl can list the services and call any RPC without a local schema.
 *
 * `services` are the services to advertise (their files and transitive
 * imports become fetchable). The two reflection services are always
 * advertised too, since this registers them; passing them again is harmless.
 *
 * ```ts
 * connectNodeAdapter({
 *   routes(router) {
 *     router.service(ManagementService, managementImpl);
 *     router.service(WatchService, watchImpl);
 *     router.service(Health, healthImpl);
 *     registerReflection(router, [ManagementService, WatchService, Health]);
 *   },
 * });
 * ```
 *
 * Throws at startup if a service's file imports something its generated code
 * did not link, rather than serving a schema clients cannot build.
 */
export function registerReflection(
  router: ConnectRouter,
  services: readonly DescService[],
): ConnectRouter {
  const index = createReflectionIndex([...services, v1.ServerReflection, v1alpha.ServerReflection]);

  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const session = createReflectionSession(index);
      for await (const request of requests) yield session.answer(request);
    },
  });

  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      const session = createReflectionSession(index);
      for await (const request of requests) {
        // The two protocols differ only in package name, and are identical on
        // the wire, so a binary round trip maps every field (present and
        // future) without a hand-written copy that could miss one.
        const asV1 = fromBinary(v1.ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, request));
        const answer = session.answer(asV1);
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(v1.ServerReflectionResponseSchema, answer));
      }
    },
  });

  return router;
}
