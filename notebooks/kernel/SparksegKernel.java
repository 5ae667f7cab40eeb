import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.LogManager;
import org.rapaio.jupyter.kernel.MainApp;
import org.rapaio.jupyter.kernel.channels.Channels;
import org.rapaio.jupyter.kernel.channels.LoopThread;
import org.rapaio.jupyter.kernel.core.ConnectionProperties;
import org.rapaio.jupyter.kernel.core.Transform;

/**
 * Starts rapaio-jupyter-kernel 3.0.1 as its MainApp does, with two start-up races fixed (both
 * still in the kernel's sources as of 3.0.4):
 *
 * <ol>
 *   <li>Its Channels binds the sockets and starts the shell thread before it creates the map of
 *       message handlers, so a kernel_info_request that arrives at once (Jupyter sends it before
 *       the kernel is up) meets a null map and kills the shell thread. Here the map exists before
 *       the sockets bind; a request that comes before the handlers are registered is dropped, and
 *       Jupyter asks again.
 *   <li>Its LoopThread.start() calls Thread.start() and only then sets {@code running = true}; a
 *       loop thread scheduled first sees {@code false} and ends at once, silently. When that is
 *       the shell's thread the kernel binds its sockets, answers heartbeats and control messages,
 *       and never a kernel_info_request ("Kernel didn't respond in 300 seconds"; seen on a
 *       2-core machine). Here each channel's loop thread is stopped, joined and replaced by one
 *       that is marked running before it starts.
 * </ol>
 *
 * Run by notebooks/run's kernel spec as a single-file source program (java ...
 * SparksegKernel.java CONNECTION_FILE).
 */
public class SparksegKernel {
  public static void main(String[] args) throws Exception {
    LogManager.getLogManager().readConfiguration(
        MainApp.class.getClassLoader().getResourceAsStream("logging.properties"));
    String json = Files.readString(Path.of(args[0]));
    ConnectionProperties props = Transform.fromJson(json, ConnectionProperties.class);
    Channels channels = new Channels(props);
    Field handlers = Channels.class.getDeclaredField("handlers");
    handlers.setAccessible(true);
    handlers.set(channels, new ConcurrentHashMap<>());
    channels.connect(MainApp.kernel);
    for (String name : new String[] {"heartbeat", "shell", "control"}) {
      restartLoop(field(channels, Channels.class, name));
    }
    channels.joinUntilClose();
  }

  /** Replaces the channel's loop thread by one that cannot miss its own start. */
  private static void restartLoop(Object channel) throws Exception {
    Field threadField = channel.getClass().getDeclaredField("loopThread");
    threadField.setAccessible(true);
    LoopThread old = (LoopThread) threadField.get(channel);
    old.shutdown();
    old.join(); // at most one loop body runs on the channel's socket at any time
    LoopThread fresh = new LoopThread(old.getName(),
        (long) field(old, LoopThread.class, "sleep"),
        (Runnable) field(old, LoopThread.class, "loopBody"));
    Field running = LoopThread.class.getDeclaredField("running");
    running.setAccessible(true);
    running.setBoolean(fresh, true);
    threadField.set(channel, fresh);
    fresh.start();
  }

  private static Object field(Object target, Class<?> type, String name) throws Exception {
    Field f = type.getDeclaredField(name);
    f.setAccessible(true);
    return f.get(target);
  }
}
