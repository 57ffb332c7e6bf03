# The directives: what a configtest says about wrong values and places, and
# what the right ones do.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser publish unique t_var);

my $cfg = Apache::Test::config();
my $httpd = $cfg->{vars}{httpd};
my $so = $cfg->{vars}{top_dir} . '/mod_tsci_registry/.libs/mod_tsci_registry.so';
my $dir = t_var() . '/configtest';
mkpath($dir);

# Key files for TsciRegistrySigningKey: a P-256 key, an RSA key, a file
# that is no key.
system("openssl ecparam -name prime256v1 -genkey -noout -out \Q$dir/p256.pem\E") == 0
    or die 'openssl ecparam failed';
system("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out \Q$dir/rsa.pem\E 2>/dev/null") == 0
    or die 'openssl genpkey failed';
open my $junk, '>', "$dir/junk.pem" or die $!;
print $junk "not a key\n";
close $junk;
my $on = "<Location /r/>\n TsciRegistry On\n</Location>";

# [label, config body, expected pattern in the configtest output]
my @bad = (
    ['TsciRegistry not On, Off or an API',
     "<Location /r/>\n TsciRegistry Maybe\n</Location>",
     qr/TsciRegistry takes On, Off or the API to serve \(npm, tsci or jobs\), not 'Maybe'/],
    ['TsciRegistryRouteWorkers over its range', 'TsciRegistryRouteWorkers 65',
     qr/TsciRegistryRouteWorkers takes a number of jobs at once from 0 to 64, not '65'/],
    ['TsciRegistryRouteTimeBudget not a number',
     'TsciRegistryRouteTimeBudget 1s',
     qr/TsciRegistryRouteTimeBudget takes a number of milliseconds from 10/],
    ['TsciRegistryRouteRetention zero', 'TsciRegistryRouteRetention 0',
     qr/TsciRegistryRouteRetention takes a number of seconds from 1/],
    ['TsciRegistryRouteMaxInput too small', 'TsciRegistryRouteMaxInput 10',
     qr/TsciRegistryRouteMaxInput takes a number of bytes from 1024/],
    ['TsciRegistryRouteMaxQueued negative', 'TsciRegistryRouteMaxQueued -1',
     qr/TsciRegistryRouteMaxQueued takes a number of jobs from 1/],
    ['TsciRegistryRouteMaxKept zero', 'TsciRegistryRouteMaxKept 0',
     qr/TsciRegistryRouteMaxKept takes a number of jobs from 1/],
    ['TsciRegistryRouteMaxElements zero', 'TsciRegistryRouteMaxElements 0',
     qr/TsciRegistryRouteMaxElements takes a number of elements from 1/],
    ['TsciRegistryRouteMaxBoard in a Location',
     "<Location /r/>\n TsciRegistryRouteMaxBoard 10\n</Location>",
     qr/TsciRegistryRouteMaxBoard not allowed in <Location> context/],
    ['TsciRegistry outside a Location', 'TsciRegistry On',
     qr/TsciRegistry not allowed here/],
    ['TsciRegistry in a Directory',
     "<Directory /tmp>\n TsciRegistry On\n</Directory>",
     qr/must be inside a <Location \/path> section/],
    ['TsciRegistry in a LocationMatch',
     "<LocationMatch ^/r>\n TsciRegistry On\n</LocationMatch>",
     qr/must be inside a <Location \/path> section/],
    ['TsciRegistryStore naming no provider', 'TsciRegistryStore mongo',
     qr/TsciRegistryStore must name a store provider \(bdb, dbd\), not 'mongo'/],
    ['TsciRegistryStore dbd without mod_dbd',
     "TsciRegistryStore dbd\n<Location />\n TsciRegistry npm\n</Location>",
     qr/TSR00205: TsciRegistryStore dbd needs mod_dbd \(LoadModule dbd_module/],
    ['TsciRegistryStore in a Location',
     "<Location /r/>\n TsciRegistryStore bdb\n</Location>",
     qr/TsciRegistryStore not allowed in <Location> context/],
    ['relative TsciRegistryDataDir', 'TsciRegistryDataDir var/registry',
     qr/TsciRegistryDataDir must be an absolute path/],
    ['TsciRegistryDataDir in a Location',
     "<Location /r/>\n TsciRegistryDataDir /tmp/x\n</Location>",
     qr/TsciRegistryDataDir not allowed in <Location> context/],
    ['TsciRegistryBaseURL not http', 'TsciRegistryBaseURL ftp://example.test/',
     qr/TsciRegistryBaseURL must be an absolute http/],
    ['TsciRegistryBaseURL relative', 'TsciRegistryBaseURL /npm/',
     qr/TsciRegistryBaseURL must be an absolute http/],
    ['TsciRegistryMaxBodySize not a number', 'TsciRegistryMaxBodySize lots',
     qr/TsciRegistryMaxBodySize must be a number of bytes/],
    ['TsciRegistryMaxBodySize zero', 'TsciRegistryMaxBodySize 0',
     qr/TsciRegistryMaxBodySize must be a number of bytes/],
    ['TsciRegistryMaxBodySize too large', 'TsciRegistryMaxBodySize 99999999999',
     qr/TsciRegistryMaxBodySize must be a number of bytes/],
    ['TsciRegistryAllowSignup not a flag', 'TsciRegistryAllowSignup sometimes',
     qr/TsciRegistryAllowSignup must be On or Off/],
    ['TsciRegistryAuthnProvider naming no loaded provider',
     "<Location /r/>\n TsciRegistry On\n TsciRegistryAuthnProvider ldap\n</Location>",
     qr/TsciRegistryAuthnProvider: no authn provider 'ldap'/],
    ['TsciRegistryAuthnProvider without a name',
     "<Location /r/>\n TsciRegistry On\n TsciRegistryAuthnProvider\n</Location>",
     qr/TsciRegistryAuthnProvider requires at least one argument/],
    ['TsciRegistryLoginLimit not counts', 'TsciRegistryLoginLimit lots 5',
     qr/TsciRegistryLoginLimit takes two counts of failed sign-ins/],
    ['TsciRegistryLoginLimit negative', 'TsciRegistryLoginLimit 5 -1',
     qr/TsciRegistryLoginLimit takes two counts of failed sign-ins/],
    ['TsciRegistryViewCache not a number', 'TsciRegistryViewCache lots',
     qr/TsciRegistryViewCache takes a number of bytes from 0 \(off\)/],
    ['TsciRegistrySearchCache not a number', 'TsciRegistrySearchCache 2M',
     qr/TsciRegistrySearchCache takes a number of bytes from 0 \(off\) to 1073741824, not '2M'/],
    ['TsciRegistrySearchCache over a gigabyte', 'TsciRegistrySearchCache 1073741825',
     qr/TsciRegistrySearchCache takes a number of bytes from 0 \(off\)/],
    ['TsciRegistrySearchCache in a Location',
     "<Location /r/>\n TsciRegistrySearchCache 0\n</Location>",
     qr/TsciRegistrySearchCache not allowed in <Location> context/],
    ['TsciRegistryViewLag not a number', 'TsciRegistryViewLag soon',
     qr/TsciRegistryViewLag takes milliseconds from 0 to 60000, not 'soon'/],
    ['TsciRegistryViewLag over a minute', 'TsciRegistryViewLag 60001',
     qr/TsciRegistryViewLag takes milliseconds from 0 to 60000/],
    ['TsciRegistryViewCache in a Location',
     "<Location /r/>\n TsciRegistryViewCache 0\n</Location>",
     qr/TsciRegistryViewCache not allowed in <Location> context/],
    ['TsciRegistryLoginLimit in a Location',
     "<Location /r/>\n TsciRegistryLoginLimit 5 5\n</Location>",
     qr/TsciRegistryLoginLimit not allowed in <Location> context/],
    ['TsciRegistryPackageRule with an unknown action',
     "<Location /r/>\n TsciRegistry On\n TsciRegistryPackageRule \"\@a/*\" write valid-user\n</Location>",
     qr/the action must be read, publish or unpublish, not 'write'/],
    ['TsciRegistryPackageRule with an authz provider not loaded',
     "<Location /r/>\n TsciRegistry On\n TsciRegistryPackageRule \"\@a/*\" read ldap-group cn=x\n</Location>",
     qr/no authz provider 'ldap-group'/],
    ['TsciRegistryPackageRule without a requirement',
     "<Location /r/>\n TsciRegistry On\n TsciRegistryPackageRule \"\@a/*\"\n</Location>",
     qr/TsciRegistryPackageRule takes a package pattern/],
    ['TsciRegistryWebLoginTimeout zero', 'TsciRegistryWebLoginTimeout 0',
     qr/TsciRegistryWebLoginTimeout takes a number of seconds from 1 to 3600, not '0'/],
    ['TsciRegistryWebLoginTimeout not a number',
     "<Location /r/>\n TsciRegistry On\n TsciRegistryWebLoginTimeout soon\n</Location>",
     qr/TsciRegistryWebLoginTimeout takes a number of seconds from 1 to 3600, not 'soon'/],
    ['TsciRegistryWebLoginTimeout over an hour', 'TsciRegistryWebLoginTimeout 3601',
     qr/TsciRegistryWebLoginTimeout takes a number of seconds from 1 to 3600/],
    ['TsciRegistry On without a data directory',
     "<Location /r/>\n TsciRegistry On\n</Location>",
     qr/TSR00001: TsciRegistry On needs TsciRegistryDataDir/],
    ['TsciRegistryDataDir that is a file',
     "TsciRegistryDataDir $dir/afile\n<Location /r/>\n TsciRegistry On\n</Location>",
     qr{TSR00017: TsciRegistryDataDir \S+/afile cannot be used: \S+/afile exists and is not a directory}],
    ['TsciRegistryDataDir under a file',
     "TsciRegistryDataDir $dir/afile/data\n<Location /r/>\n TsciRegistry On\n</Location>",
     qr{TSR00017: .*\S+/afile is not a directory}],
    ['TsciRegistryDataDir that this user cannot make',
     "TsciRegistryDataDir $dir/readonly/new/data\n<Location /r/>\n TsciRegistry On\n</Location>",
     qr{TSR00017: .*\S+/readonly is not writable by this user .* cannot be made there}],
    ['TsciRegistryDataDir below a directory the user cannot pass through',
     "TsciRegistryDataDir $dir/locked/data\n<Location /r/>\n TsciRegistry On\n</Location>",
     qr{TSR00017: .* cannot pass through \S+/locked \(mode 0600}],
    ['TsciRegistryMaxAuditBodySize not a number',
     'TsciRegistryMaxAuditBodySize lots',
     qr/TsciRegistryMaxAuditBodySize must be a number of bytes/],
    ['TsciRegistryMaxAuditBodySize zero', 'TsciRegistryMaxAuditBodySize 0',
     qr/TsciRegistryMaxAuditBodySize must be a number of bytes/],
    ['TsciRegistryMaxAuditBodySize too large',
     'TsciRegistryMaxAuditBodySize 99999999999',
     qr/TsciRegistryMaxAuditBodySize must be a number of bytes/],
    ['TsciRegistrySigningKey in a Location',
     "<Location /r/>\n TsciRegistry On\n TsciRegistrySigningKey $dir/p256.pem\n</Location>",
     qr/TsciRegistrySigningKey not allowed in <Location> context/],
    ['TsciRegistrySigningKey naming no file',
     "TsciRegistrySigningKey $dir/none.pem\n$on",
     qr/TSR00142: TsciRegistrySigningKey: cannot open the signing key \Q$dir\E\/none\.pem.*makes a key itself only where no TsciRegistrySigningKey names one/],
    ['TsciRegistrySigningKey naming an RSA key',
     "TsciRegistrySigningKey $dir/rsa.pem\n$on",
     qr/TSR00142: .*rsa\.pem is not an ECDSA P-256 key/],
    ['TsciRegistrySigningKey naming a file that is no key',
     "TsciRegistrySigningKey $dir/junk.pem\n$on",
     qr/TSR00142: .*junk\.pem is not an unencrypted PEM private key/],
);
# What the data directory checks find: a file, and a directory closed to
# the user Apache runs as (the one running this test).
open my $af, '>', "$dir/afile" or die $!;
close $af;
mkpath("$dir/locked");
chmod 0600, "$dir/locked";
mkpath("$dir/readonly");
chmod 0555, "$dir/readonly";

Apache::Test::plan(tests => 2 * @bad + 16, have_lwp);

sub configtest {
    my ($label, $body, $datadir) = @_;
    (my $file = $label) =~ s/\W+/_/g;
    $file = "$dir/$file.conf";
    open my $fh, '>', $file or die $!;
    print $fh <<"EOC";
ServerRoot $dir
ServerName 127.0.0.1
PidFile $dir/httpd.pid
DefaultRuntimeDir $dir
ErrorLog $dir/error_log
Listen 127.0.0.1:1
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule tsci_registry_module $so
@{[ $datadir ? "TsciRegistryDataDir $dir/data" : '' ]}
$body
EOC
    close $fh;
    my $out = `\Q$httpd\E -t -f \Q$file\E 2>&1`;
    return ($? >> 8, $out);
}

for my $c (@bad) {
    my ($label, $body, $pat) = @$c;
    my $needs_dir = $label !~ /data directory|DataDir/;
    my ($rc, $out) = configtest($label, $body, $needs_dir);
    isnt $rc, 0, "$label: configtest fails";
    like $out, $pat, "$label: says why" or diag $out;
}

# The administrator's whole config passes, with the API named or not.
my ($rc, $out) = configtest('minimal', "<Location />\n TsciRegistry On\n</Location>", 1);
is $rc, 0, 'LoadModule, DataDir and a Location: Syntax OK' or diag $out;
($rc, $out) = configtest('named', "<Location />\n TsciRegistry npm\n</Location>", 1);
is $rc, 0, 'TsciRegistry npm: Syntax OK' or diag $out;
($rc, $out) = configtest('off', "<Location />\n TsciRegistry Off\n</Location>", 1);
is $rc, 0, 'TsciRegistry Off: Syntax OK' or diag $out;
($rc, $out) = configtest('own-users', "TsciRegistryAuthnProvider tsci-registry\n<Location />\n TsciRegistry npm\n</Location>", 1);
is $rc, 0, 'TsciRegistryAuthnProvider tsci-registry (the registry\'s own users), no other module: Syntax OK' or diag $out;
($rc, $out) = configtest('store', "TsciRegistryStore bdb\n<Location />\n TsciRegistry npm\n</Location>", 1);
is $rc, 0, 'TsciRegistryStore bdb: Syntax OK' or diag $out;
# With mod_dbd and its pool: configtest opens no connection, so no
# PostgreSQL is needed for it (only APR-util's pgsql driver).
SKIP: {
    skip "APR-util's pgsql driver is not installed", 1
        unless glob '/usr/lib/*/apr-util-1/apr_dbd_pgsql*.so';
    ($rc, $out) = configtest('store-dbd', "LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so\nDBDriver pgsql\nDBDParams \"host=/nonexistent dbname=tsr\"\nTsciRegistryStore dbd\n<Location />\n TsciRegistry npm\n</Location>", 1);
    is $rc, 0, 'TsciRegistryStore dbd with mod_dbd: Syntax OK' or diag $out;
}
($rc, $out) = configtest('nested', "<Location /npm/>\n TsciRegistry On\n</Location>\n<Location /npm/private/>\n TsciRegistry On\n</Location>", 1);
is $rc, 0, 'registry Locations nested by URL: Syntax OK' or diag $out;
like $out, qr{TSR00018: registry Location /npm/private/ lies inside registry Location /npm/},
   'with a warning that names both' or diag $out;
($rc, $out) = configtest('own-key', "TsciRegistrySigningKey $dir/p256.pem\n$on", 1);
is $rc, 0, 'TsciRegistrySigningKey naming a P-256 key: Syntax OK' or diag $out;
($rc, $out) = configtest('audit-limit', "<Location />\n TsciRegistry npm\n TsciRegistryMaxAuditBodySize 1024\n</Location>", 1);
is $rc, 0, 'TsciRegistryMaxAuditBodySize 1024: Syntax OK' or diag $out;

# TsciRegistryBaseURL decides tarball links, whatever the request says.
my $based = base_url('/based/');
my $token = adduser($based, unique('base'), 'base-pass-1');
my $name = unique('based-pkg');
is publish($based, $token, name => $name, version => '1.0.0')->code, 201;
my $d = json_of(req(GET => "$based$name"));
is $d->{versions}{'1.0.0'}{dist}{tarball},
   "https://registry.example.test/pub/$name/-/$name-1.0.0.tgz",
   'BaseURL in the full packument';
$d = json_of(req(GET => "$based$name/latest"));
is $d->{dist}{tarball},
   "https://registry.example.test/pub/$name/-/$name-1.0.0.tgz",
   'BaseURL in a version document';

# Without it, links follow the request's host, port and Location: the same
# package through /npm/ (same store) links under /npm/.
my $npm = base_url('/npm/');
$d = json_of(req(GET => "$npm$name"));
is $d->{versions}{'1.0.0'}{dist}{tarball}, "$npm$name/-/$name-1.0.0.tgz",
   'request-based link under another Location';
# A Host that does not name this server never makes the links (a cache
# in front would serve them to everyone): the canonical name does.
$d = json_of(req(GET => "$npm$name", headers => { Host => 'mirror.example.test:8080' }));
(my $port = $npm) =~ s{^http://[^:/]+:(\d+)/.*}{$1};
like $d->{versions}{'1.0.0'}{dist}{tarball},
   qr{^http://(?:127\.0\.0\.1|localhost):$port/npm/\Q$name\E/-/},
   'a foreign Host does not make the links: the server\'s own name does';
$d = json_of(req(GET => "$npm$name",
                 headers => { 'X-Forwarded-Host' => 'evil.example.test',
                              'X-Forwarded-Proto' => 'https',
                              'X-Forwarded-Prefix' => '/x/' }));
is $d->{versions}{'1.0.0'}{dist}{tarball}, "$npm$name/-/$name-1.0.0.tgz",
   'nor do X-Forwarded-* headers from a proxy nobody trusts';
