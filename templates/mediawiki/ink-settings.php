<?php
// MediaWiki's settings from the service's variables (Ink keeps them sealed; the database ones
// reference the template's MariaDB service, e.g. ${{db.MYSQL_PASSWORD}}).
if (!defined('MEDIAWIKI')) {
  exit;
}
$wgSitename = getenv('MW_SITENAME') ?: 'Wiki';
$wgServer = getenv('INK_PUBLIC_URL') ?: 'http://localhost';
$wgScriptPath = '';
$wgResourceBasePath = $wgScriptPath;
$wgDBtype = 'mysql';
$wgDBserver = getenv('MW_DB_HOST');
$wgDBname = getenv('MW_DB_NAME');
$wgDBuser = getenv('MW_DB_USER');
$wgDBpassword = getenv('MW_DB_PASSWORD');
$wgDBprefix = '';
$wgDBTableOptions = 'ENGINE=InnoDB, DEFAULT CHARSET=binary';
$wgSecretKey = getenv('MW_SECRET_KEY');
$wgUpgradeKey = substr(hash('sha256', $wgSecretKey . ':upgrade'), 0, 16);
$wgMainCacheType = CACHE_ACCEL;
$wgCacheDirectory = '/var/lib/mediawiki/cache';
$wgEnableUploads = true;
$wgUploadDirectory = '/var/lib/mediawiki/images';
$wgUploadPath = '/images';
$wgUseInstantCommons = false;
$wgEnableEmail = false;
$wgLanguageCode = 'en';
$wgRightsText = '';
$wgDefaultSkin = 'vector';
wfLoadSkin('Vector');
