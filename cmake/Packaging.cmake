# Generated documentation, the install layout and the Debian package (`cpack -G DEB` in the build directory).
# Included at the end of CMakeLists.txt, after the ncbctl target exists.
#
# The man pages and the shell completions are generated at build time by the built binary from the CLI11
# command tree that parses the arguments (`ncbctl __man DIR`, `ncbctl __completion SHELL`), never kept by hand.
include(GNUInstallDirs)

# tests/integration/shell reads them from there too.
set(NCBCTL_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
set(gen ${NCBCTL_GENERATED_DIR})
add_custom_command(
  OUTPUT ${gen}/man/ncbctl.1 ${gen}/completion/ncbctl.bash ${gen}/completion/_ncbctl
  # A page of a removed command must not survive in the tree the package is made from.
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${gen}/man
  COMMAND ${CMAKE_COMMAND} -E make_directory ${gen}/man ${gen}/completion
  COMMAND ncbctl __man ${gen}/man
  COMMAND ncbctl __completion bash --out ${gen}/completion/ncbctl.bash
  COMMAND ncbctl __completion zsh --out ${gen}/completion/_ncbctl
  DEPENDS ncbctl
  COMMENT "Generating the man pages and shell completions from ncbctl's command tree"
  VERBATIM)
add_custom_target(ncbctl_generated_docs ALL DEPENDS ${gen}/man/ncbctl.1 ${gen}/completion/ncbctl.bash
                                                    ${gen}/completion/_ncbctl)

# Directories the shells read completions from (bash-completion, Debian's zsh).
set(NCBCTL_BASH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions CACHE STRING
    "Where the bash completion is installed (relative to the prefix)")
set(NCBCTL_ZSH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions CACHE STRING
    "Where the zsh completion is installed (relative to the prefix; site-functions for a /usr/local zsh)")
set(NCBCTL_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/ncbctl)

install(DIRECTORY ${gen}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1")
install(FILES ${gen}/completion/ncbctl.bash DESTINATION ${NCBCTL_BASH_COMPLETION_DIR} RENAME ncbctl)
install(FILES ${gen}/completion/_ncbctl DESTINATION ${NCBCTL_ZSH_COMPLETION_DIR})
# The example inventories, the CI job and the systemd backup service + timer, and the reference docs the man
# page points at.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${NCBCTL_DOC_DIR}/examples)
file(GLOB NCBCTL_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${NCBCTL_DOCS} DESTINATION ${NCBCTL_DOC_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${NCBCTL_DOC_DIR} RENAME copyright)

# The Debian package. Depends is computed by dpkg-shlibdeps from the libraries the binary links (dpkg-dev),
# the version is the project's.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ncbctl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "ncbctl")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "safe, resumable maintenance of NocoBase clusters")
set(CPACK_PACKAGE_DESCRIPTION
    "ncbctl upgrades, backs up, maintains and rolls back a NocoBase cluster in journaled phases: preflight,\n"
    "the load balancer to a 503 page, nodes stopped, a verified backup, a canary verified alone, then the\n"
    "other nodes and traffic back live. Docker and SSH nodes (systemd, docker-compose, pm2, supervisord),\n"
    "HAProxy, nginx or your own load balancer commands.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "ncbctl maintainers <ncbctl@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The ssh driver runs the system ssh client; the database backup runs the dialect's dump tool.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openssh-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql-client, mariadb-client")
include(CPack)
