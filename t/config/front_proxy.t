# A second Apache in front (mod_proxy, the config of conf/front-proxy.conf)
# proxying /registry/ to the registry's /behind/, which trusts it with
# TsciRegistryTrustedProxy: the real npm logs in, publishes a scoped
# package and installs it through the front, and every tarball link points
# at the front.  The same store read directly gives the registry's own
# links.  The front starts on TsciTest::spare_port 2 and always stops.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser publish unique own_apache t_var
                npm_token_env run_npm);

my $mods = '/usr/lib/apache2/modules';
Apache::Test::plan(skip_all => 'mod_proxy_http is not installed')
    unless -f "$mods/mod_proxy_http.so";
Apache::Test::plan(tests => 10, have_lwp);

my $back = base_url('/behind/');
(my $backhp = $back) =~ s{^http://([^/]+)/.*}{$1};
my $port = TsciTest::spare_port(2);
my $front = own_apache(name => 'front-proxy', port => $port, conf => <<"EOC");
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
LoadModule headers_module $mods/mod_headers.so
AllowEncodedSlashes NoDecode
<Location /registry/>
    ProxyPass http://$backhp/behind/ nocanon
    ProxyPassReverse http://$backhp/behind/
    RequestHeader set X-Forwarded-Proto "http"
    RequestHeader set X-Forwarded-Prefix "/registry/"
</Location>
EOC
ok $front->{up}, 'a front Apache with mod_proxy';
my $fbase = "http://127.0.0.1:$port/registry/";
my $user = unique('proxied');
my $tok = adduser($fbase, $user, 'proxy-pass-1');
ok $tok, 'logging in through the front';
my $pkg = "\@$user/behind";
(my $esc = $pkg) =~ s{/}{%2f};
is publish($fbase, $tok, name => $pkg, version => '1.0.0')->code, 201,
   'publishing a scoped package through the front';
my $d = json_of(req(GET => "$fbase$esc"));
is $d->{versions}{'1.0.0'}{dist}{tarball},
   "${fbase}$pkg/-/behind-1.0.0.tgz",
   'the tarball link points at the front, under its prefix';
is req(GET => $d->{versions}{'1.0.0'}{dist}{tarball})->code, 200,
   'and the front serves it';
$d = json_of(req(GET => "$back$esc"));
is $d->{versions}{'1.0.0'}{dist}{tarball}, "$back$pkg/-/behind-1.0.0.tgz",
   'read directly, the links are the registry\'s own';

SKIP: {
    skip 'npm is not installed', 4
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('front-proxy', $fbase, $tok);
    my $app = t_var() . '/front-proxy-app';
    mkpath($app);
    my ($rc, $out) = run_npm($env, $app, 'install', $pkg,
                             "--registry=$fbase");
    is $rc, 0, 'npm install through the front' or diag $out;
    ok -f "$app/node_modules/$pkg/package.json", 'installed';
    my $lock = do { local (@ARGV, $/) = "$app/package-lock.json"; <> } // '';
    like $lock, qr{"resolved":\s*"\Q$fbase$pkg\E/-/behind-1\.0\.0\.tgz"},
       'the lockfile pins the front\'s URL';
    ($rc, $out) = run_npm($env, t_var(), 'whoami', "--registry=$fbase");
    like $out, qr/\Q$user\E/, 'npm whoami through the front';
}
$front->{stop}->();
