import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.LogManager;
import org.rapaio.jupyter.kernel.MainApp;
import org.rapaio.jupyter.kernel.channels.Channels;
import org.rapaio.jupyter.kernel.core.ConnectionProperties;
import org.rapaio.jupyter.kernel.core.Transform;

/**
 * Starts rapaio-jupyter-kernel 3.0.1 as its MainApp does, with one fix: its Channels binds the
 * sockets and starts the shell thread before it creates the map of message handlers, so a
 * kernel_info_request that arrives at once (Jupyter sends it before the kernel is up) meets a
 * null map and kills the shell thread: the kernel never answers ("Kernel didn't respond").
 * Here the map exists before the sockets bind; a request that comes before the handlers are
 * registered is dropped, and Jupyter asks again. Run by notebooks/run's kernel spec as a
 * single-file source program (java ... SparksegKernel.java CONNECTION_FILE).
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
    channels.joinUntilClose();
  }
}
