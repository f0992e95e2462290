<?php
// WordPress's settings from the service's variables (Ink keeps them sealed; the database ones
// reference the template's MariaDB service, e.g. ${{db.MYSQL_PASSWORD}}).
define('DB_NAME', getenv('WORDPRESS_DB_NAME'));
define('DB_USER', getenv('WORDPRESS_DB_USER'));
define('DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD'));
define('DB_HOST', getenv('WORDPRESS_DB_HOST'));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
          'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $key) {
  define($key, hash('sha256', getenv('WORDPRESS_SECRET') . ':' . $key));
}
if (getenv('INK_PUBLIC_URL')) {
  define('WP_HOME', getenv('INK_PUBLIC_URL'));
  define('WP_SITEURL', getenv('INK_PUBLIC_URL'));
}
$table_prefix = 'wp_';
define('FS_METHOD', 'direct');
