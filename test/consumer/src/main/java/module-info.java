/** The README's example as a modular application: posixipc is required by its module name. */
module org.example.consumer {
  requires io.github.posixipc;
}
