# pl_require(VAR module debian-package): finds a library through pkg-config as
# the imported target PkgConfig::VAR, or stops the configure step. The reason
# is printed first as one unwrapped line (message(FATAL_ERROR) wraps its text)
# naming the Debian package and how to install it.
function(pl_missing what debpkg)
  message(NOTICE "missing dependency: ${what} (Debian package ${debpkg}): run deploy/deps.sh or apt-get install ${debpkg}")
  message(FATAL_ERROR "configure stopped: a dependency is missing (see the line above)")
endfunction()

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  pl_missing(pkg-config pkg-config)
endif()

function(pl_require var module debpkg)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${var}_FOUND)
    pl_missing(${module} ${debpkg})
  endif()
endfunction()
