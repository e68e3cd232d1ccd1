// The Kafka Streams peer of Sluice's cluster benchmark (bench/cluster.ts):
// the same flow as Sluice's, run by Kafka Streams. See README.md beside src/.
//
//   SluicePeer <brokers> <applicationId> <inTopic> <outTopic> <commitIntervalMs> [<stateDir>]
//
// Reads <inTopic> (string keys, string values holding an integer amount),
// keeps per key a running count and sum in a persistent (RocksDB) key-value
// store with a changelog, and for each input record writes one record to
// <outTopic>: same key, value "<key> n=<count> sum=<sum>". Exactly-once
// (exactly_once_v2), one stream thread. Prints "kstreams started" on stdout
// once the application first reaches RUNNING. On SIGTERM or SIGINT it closes
// the application and exits 0 (1 if the close did not finish in time); if
// the application fails it exits 1.

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

public final class SluicePeer {
  static final String STORE = "counts";

  /** Per key: count and sum, kept as 16 bytes (two big-endian longs). */
  static final class CountSum implements Processor<String, String, String, String> {
    private ProcessorContext<String, String> context;
    private KeyValueStore<String, byte[]> store;
    private boolean warnedNullKey;

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      String key = record.key();
      if (key == null) {
        // A key-value store takes no null key; the benchmark never writes one.
        if (!warnedNullKey) {
          System.err.println("kstreams: WARN dropping records with a null key");
          warnedNullKey = true;
        }
        return;
      }
      String value = record.value();
      if (value == null) {
        throw new IllegalArgumentException("record with key '" + key + "' has a null value, not an integer amount");
      }
      long amount = Long.parseLong(value.trim());
      byte[] old = store.get(key);
      long count = 1;
      long sum = amount;
      if (old != null) {
        ByteBuffer b = ByteBuffer.wrap(old);
        count += b.getLong();
        sum += b.getLong();
      }
      store.put(key, ByteBuffer.allocate(16).putLong(count).putLong(sum).array());
      context.forward(record.withValue(key + " n=" + count + " sum=" + sum));
    }
  }

  static Topology topology(String in, String out) {
    StoreBuilder<KeyValueStore<String, byte[]>> store =
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
            // The store's cache (the DSL's default) writes each key's last value per commit to the changelog, as Sluice
            // writes each changed key once per epoch; outputs are still forwarded one per input, at once.
            .withCachingEnabled();
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(store);
    builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
        .process(CountSum::new, STORE)
        .to(out, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  static void usage() {
    System.err.println(
        "usage: SluicePeer <brokers> <applicationId> <inTopic> <outTopic> <commitIntervalMs> [<stateDir>]");
    System.exit(2);
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: it is a temp dir
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 5 || args.length > 6) usage();
    String brokers = args[0];
    String applicationId = args[1];
    String in = args[2];
    String out = args[3];
    long commitIntervalMs = 0;
    try {
      commitIntervalMs = Long.parseLong(args[4]);
    } catch (NumberFormatException e) {
      usage();
    }
    // Each instance needs a state dir of its own (Kafka Streams locks it).
    // Without one, a fresh dir under java.io.tmpdir, deleted at exit.
    final Path ownStateDir;
    String stateDir;
    if (args.length == 6 && !args[5].isEmpty()) {
      stateDir = args[5];
      ownStateDir = null;
    } else {
      ownStateDir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "kstreams-" + applicationId + "-");
      stateDir = ownStateDir.toString();
    }

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);

    KafkaStreams streams = new KafkaStreams(topology(in, out), props);
    AtomicBoolean started = new AtomicBoolean();
    AtomicBoolean failure = new AtomicBoolean();
    CountDownLatch failed = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING && started.compareAndSet(false, true)) {
        System.out.println("kstreams started");
        System.out.flush();
      }
      if (now == KafkaStreams.State.ERROR) {
        failure.set(true);
        failed.countDown();
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("kstreams: ERROR stream thread failed, shutting down: " + e);
      e.printStackTrace(System.err);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });

    // SIGTERM/SIGINT (and System.exit below) run this hook: close cleanly,
    // then halt with our own status (the JVM's own would be 143 for SIGTERM).
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      boolean closed = streams.close(Duration.ofSeconds(60));
      if (!closed) System.err.println("kstreams: ERROR the application did not close within 60 s");
      if (ownStateDir != null) deleteTree(ownStateDir);
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(closed && !failure.get() ? 0 : 1);
    }, "kstreams-shutdown"));

    try {
      streams.start();
    } catch (RuntimeException e) {
      failure.set(true);
      System.err.println("kstreams: ERROR cannot start: " + e);
      System.exit(1);
    }
    failed.await();
    System.err.println("kstreams: ERROR the application failed (state ERROR)");
    System.exit(1);
  }
}
