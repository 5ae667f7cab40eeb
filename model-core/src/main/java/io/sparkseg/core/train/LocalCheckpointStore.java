package io.sparkseg.core.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/** A {@link CheckpointStore} on the local disk; writes go to a temp file, then an atomic move. */
public final class LocalCheckpointStore implements CheckpointStore {
  private final Path dir;

  public LocalCheckpointStore(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  @Override
  public void write(String name, IoConsumer<OutputStream> body) throws IOException {
    Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
    try {
      try (OutputStream out = Files.newOutputStream(tmp)) {
        body.accept(out);
      }
      Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public InputStream open(String name) throws IOException {
    return Files.newInputStream(dir.resolve(name));
  }

  @Override
  public boolean exists(String name) {
    return Files.exists(dir.resolve(name));
  }

  @Override
  public List<String> list() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted()
          .toList();
    }
  }

  @Override
  public void delete(String name) throws IOException {
    Files.deleteIfExists(dir.resolve(name));
  }

  @Override
  public String location(String name) {
    return dir.resolve(name).toString();
  }
}
