import type { DescFile, DescService, FileRegistry } from "@bufbuild/protobuf";
import { createFileRegistry, toBinary } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * One .proto file as reflection serves it. The bytes are encoded once at
 * startup: descriptors never change while the server runs, and every
 * reflection client asks for the same few files.
 */
export interface IndexedFile {
  /** The path the file is imported by, e.g. "monitor/v1/resources.proto". */
  readonly name: string;
  /** The serialized google.protobuf.FileDescriptorProto. */
  readonly bytes: Uint8Array;
  /** Direct imports, in the order the file declares them. */
  readonly dependencies: readonly IndexedFile[];
}

/**
 * Everything the reflection protocol can be asked about, resolved once from
 * the services the server registers, so answering a request is a lookup and
 * never fails halfway through.
 */
export interface ReflectionIndex {
  /** Fully-qualified service names, in the order they were given. */
  readonly serviceNames: readonly string[];
  /** The file with this import path, if any served service needs it. */
  fileByName(name: string): IndexedFile | undefined;
  /**
   * The file that defines a fully-qualified symbol: a service, method,
   * message (nested too), field, oneof, enum, enum value or extension.
   * Enum values use protobuf's scoping, i.e. they are siblings of their enum
   * ("monitor.v1.SERVICE_STATUS_UP"), as protoc and grpc-go resolve them.
   */
  fileContainingSymbol(symbol: string): IndexedFile | undefined;
  /** Whether a message type of this fully-qualified name is known. */
  hasMessage(typeName: string): boolean;
  /** Extension numbers declared for a message type, ascending. */
  extensionNumbersOf(typeName: string): readonly number[];
  /** The file declaring extension `number` of `typeName`, if any. */
  fileContainingExtension(typeName: string, number: number): IndexedFile | undefined;
}

/**
 * Builds the index from the generated service descriptors. The files served
 * are exactly the services' files and their transitive imports (for example
 * google/protobuf/timestamp.proto), taken from the descriptors protoc-gen-es
 * embedded, so what reflection serves cannot drift from what the server runs.
 */
export function createReflectionIndex(services: readonly DescService[]): ReflectionIndex {
  const uniqueServices = uniqueBy(services, (service) => service.typeName);
  const roots = uniqueBy(
    uniqueServices.map((service) => service.file),
    (file) => file.proto.name,
  );
  // One registry per root file, resolving its imports from the DescFiles the
  // generated code already linked, then merged: this pulls in every
  // transitive dependency without re-declaring any descriptor by hand.
  const registry = createFileRegistry(...roots.map(registryOfFile));

  const files = indexFiles(registry);
  const symbols = indexSymbols(registry, files);

  return {
    serviceNames: uniqueServices.map((service) => service.typeName),
    fileByName: (name) => files.get(name),
    fileContainingSymbol: (symbol) => symbols.get(symbol),
    hasMessage: (typeName) => registry.getMessage(typeName) !== undefined,
    extensionNumbersOf(typeName) {
      const numbers: number[] = [];
      for (const type of registry) {
        if (type.kind === "extension" && type.extendee.typeName === typeName) {
          numbers.push(type.number);
        }
      }
      return numbers.sort((a, b) => a - b);
    },
    fileContainingExtension(typeName, number) {
      const extendee = registry.getMessage(typeName);
      if (extendee === undefined) return undefined;
      const extension = registry.getExtensionFor(extendee, number);
      return extension === undefined ? undefined : files.get(extension.file.proto.name);
    },
  };
}

function registryOfFile(file: DescFile): FileRegistry {
  return createFileRegistry(file.proto, (importName) =>
    file.dependencies.find((dependency) => dependency.proto.name === importName),
  );
}

/**
 * Encodes every file and links each to its imports by name, exactly as the
 * FileDescriptorProto lists them, since that list is what a client follows.
 */
function indexFiles(registry: FileRegistry): ReadonlyMap<string, IndexedFile> {
  const indexed = new Map<string, IndexedFile>();
  function visit(file: DescFile, importedBy: readonly string[]): IndexedFile {
    const name = file.proto.name;
    const done = indexed.get(name);
    if (done !== undefined) return done;
    if (importedBy.includes(name)) {
      throw new Error(`reflection: import cycle ${[...importedBy, name].join(" -> ")}`);
    }
    const dependencies = file.proto.dependency.map((importName) => {
      const dependency = registry.getFile(importName);
      if (dependency === undefined) {
        // Fail at startup rather than serve a file a client cannot build.
        throw new Error(`reflection: ${name} imports ${importName}, which is not available`);
      }
      return visit(dependency, [...importedBy, name]);
    });
    const entry: IndexedFile = {
      name,
      bytes: toBinary(FileDescriptorProtoSchema, file.proto),
      dependencies,
    };
    indexed.set(name, entry);
    return entry;
  }
  for (const file of registry.files) visit(file, []);
  return indexed;
}

/** Maps every symbol a client may name to the file that defines it. */
function indexSymbols(
  registry: FileRegistry,
  files: ReadonlyMap<string, IndexedFile>,
): ReadonlyMap<string, IndexedFile> {
  const symbols = new Map<string, IndexedFile>();
  for (const file of registry.files) {
    const entry = files.get(file.proto.name);
    if (entry === undefined) continue;
    const add = (symbol: string): void => {
      // The first definition wins, as in a protobuf registry; a duplicate
      // would already have been rejected when the descriptors were built.
      if (!symbols.has(symbol)) symbols.set(symbol, entry);
    };
    for (const type of nestedTypes(file)) {
      add(type.typeName);
      switch (type.kind) {
        case "service":
          for (const method of type.methods) add(`${type.typeName}.${method.name}`);
          break;
        case "message":
          for (const field of type.fields) add(`${type.typeName}.${field.name}`);
          for (const oneof of type.oneofs) add(`${type.typeName}.${oneof.name}`);
          break;
        case "enum": {
          const scope = parentScope(type.typeName);
          for (const value of type.values) add(scope + value.name);
          break;
        }
        case "extension":
          break;
      }
    }
  }
  return symbols;
}

/** "a.b.Enum" → "a.b."; a top-level enum without package → "". */
function parentScope(typeName: string): string {
  const dot = typeName.lastIndexOf(".");
  return dot < 0 ? "" : typeName.slice(0, dot + 1);
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
