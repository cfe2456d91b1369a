# pl_require(VAR module debian-package): finds a library through pkg-config as
# the imported target PkgConfig::VAR, or stops the configure step with one
# line naming the Debian package that provides it and how to install it.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "missing dependency: pkg-config (Debian package pkg-config); run deploy/deps.sh")
endif()

function(pl_require var module debpkg)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "missing dependency: ${module} (Debian package ${debpkg}); run deploy/deps.sh")
  endif()
endfunction()
