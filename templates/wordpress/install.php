<?php
// Installs WordPress once, from the command line, before Apache serves it: the admin account
// gets the generated password, so the web installer is never left open for the first visitor
// to claim. Prints INK-OK when WordPress is installed (now or before); anything else (e.g. the
// database is not up yet: WordPress prints its error page) means try again.
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = 'localhost';  // Debian's wp-config.php then reads config-default.php
require_once '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if (!is_blog_installed()) {
  $result = wp_install(getenv('WORDPRESS_TITLE') ?: 'WordPress',
                       getenv('WORDPRESS_ADMIN_USER') ?: 'admin',
                       getenv('WORDPRESS_ADMIN_EMAIL') ?: 'admin@example.invalid', false, '',
                       getenv('WORDPRESS_ADMIN_PASSWORD'));
  if (is_wp_error($result) || !is_blog_installed()) {
    fwrite(STDERR, "ink-wordpress: wp_install failed\n");
    exit(1);
  }
  echo "ink-wordpress: installed (admin user " . (getenv('WORDPRESS_ADMIN_USER') ?: 'admin') . ")\n";
}
echo "INK-OK\n";
