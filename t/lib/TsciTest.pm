# TsciTest: helpers the registry's Apache::Test files share: requests,
# tarballs and publish bodies made like npm makes them, users, and a
# snapshot of the store for "nothing changed" assertions.
package TsciTest;

use strict;
use warnings;

use Exporter 'import';
use Archive::Tar ();
use IO::Compress::Gzip qw(gzip $GzipError);
use Digest::SHA qw(sha1_hex sha512_base64);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use File::Find ();
use File::Path ();
use LWP::UserAgent ();
use URI ();
use HTTP::Request ();
use Apache::Test ();
use Apache::TestRequest ();
use POSIX ();
use Time::HiRes ();

our @EXPORT_OK = qw(base_url req json_of make_tarball publish_body
                    adduser publish store_state data_dir t_var npm_env
                    run_npm npm_adduser sri512 unique children_of write_file
                    npm_token_env
                    signal_deaths own_apache start_reader read_report
                    start_writers client_bin need_client client_env
                    run_client log_lines slurp spare_port
                    publish_pair installed_says logged
                    npmrc_key url_path write_publishable
                    check_published
                    npm_web_start browser_missing browser_signin
                    web_start web_form
                    tsci_missing tsci_env run_tsci tsci_start
                    on_dbd on_prefork bdb_only admin_cmd
                    main_store_independent client_not_prefork);

my $json = JSON::PP->new->canonical->allow_nonref;

# Apache::Test::plan (through test_pm_refresh) points Test::More's failure
# diagnostics at STDOUT, where the harness hides them unless it runs
# verbose: a test failing in make check or CI showed no reason at all, not
# even which assertion's numbers were off.  After each refresh they go back
# to STDERR, where prove shows them.  The wrapper is compiled in Apache::
# Test's package because test_pm_refresh finds its caller by skipping that
# package's frames.
{
    package Apache::Test;
    no warnings 'redefine';
    my $refresh = \&Apache::Test::test_pm_refresh;
    *Apache::Test::test_pm_refresh = sub {
        $refresh->(@_);
        Test::Builder->new->failure_output(\*STDERR)
            if $INC{'Test/Builder.pm'};
    };
}

# A name no other test file uses: suites run twice (event, prefork) against
# stores that outlive one file.
my $seq = 0;
sub unique {
    my $base = shift;
    return sprintf "%s-%d-%d-%d", $base, $$, time, $seq++;
}

# http://host:port/<prefix>, for the main server or a named vhost.
sub base_url {
    my ($prefix, $vhost) = @_;
    my $cfg = Apache::Test::config();
    local $Apache::TestRequest::Module = $vhost if $vhost;
    my $hp = Apache::TestRequest::hostport($cfg);
    $prefix = '/' unless defined $prefix;
    return "http://$hp$prefix";
}

my $ua = LWP::UserAgent->new(keep_alive => 4, timeout => 120);

# req(METHOD, URL, body => ..., headers => {...}) -> HTTP::Response
sub req {
    my ($method, $url, %o) = @_;
    my $r = HTTP::Request->new($method => $url);
    my %h = %{ $o{headers} || {} };
    $r->header($_ => $h{$_}) for keys %h;
    if (defined $o{body}) {
        my $b = ref $o{body} ? $json->encode($o{body}) : $o{body};
        $r->content($b);
        $r->header('Content-Type' => 'application/json')
            unless exists $h{'Content-Type'};
        $r->header('Content-Length' => length $b);
    }
    $r->header(Authorization => "Bearer $o{token}") if $o{token};
    return $ua->request($r);
}

sub json_of {
    my $res = shift;
    my $d = eval { $json->decode($res->content) };
    return $d;
}

# A gzip'd tar as npm packs it: package/package.json plus files.
sub make_tarball {
    my (%o) = @_;
    my $pj = $o{package_json} // $json->encode({
        name => $o{name}, version => $o{version},
        main => 'index.js', %{ $o{extra} || {} },
    });
    my $tar = Archive::Tar->new;
    $tar->add_data('package/package.json', $pj);
    $tar->add_data('package/index.js',
                   $o{index} // "module.exports = '$o{name}\@$o{version}';\n");
    my %files = %{ $o{files} || {} };
    $tar->add_data("package/$_", $files{$_}) for sort keys %files;
    my $plain = $tar->write;
    my $gz;
    gzip(\$plain => \$gz) or die $GzipError;
    return $gz;
}

sub sri512 {
    my $b = sha512_base64(shift);
    $b .= '=' while length($b) % 4;
    return "sha512-$b";
}

# The body npm publish sends (npm-protocol.md 5.2).
sub publish_body {
    my (%o) = @_;
    my ($name, $version) = @o{qw(name version)};
    my $tgz = $o{tarball} // make_tarball(%o);
    (my $file = $name) =~ s{^\@[^/]+/}{};
    my $key = "$name-$version.tgz";
    my $manifest = {
        name => $name, version => $version, main => 'index.js',
        description => "test package $name",
        readme => "# $name\n", readmeFilename => 'README.md',
        _id => "$name\@$version", _nodeVersion => '20.20.2',
        _npmVersion => '11.19.1',
        dist => { shasum => sha1_hex($tgz), integrity => sri512($tgz),
                  tarball => "http://ignored/$name/-/$key" },
        %{ $o{extra} || {} },
    };
    return {
        _id => $name, name => $name, description => "test package $name",
        'dist-tags' => { ($o{tag} // 'latest') => $version },
        versions => { $version => $manifest },
        access => undef,
        _attachments => { $key => {
            content_type => 'application/octet-stream',
            data => encode_base64($tgz, ''), length => length $tgz } },
    };
}

# Create (or log in) a user through the CouchDB endpoint; returns a token.
sub adduser {
    my ($base, $user, $pass) = @_;
    my $res = req(PUT => "${base}-/user/org.couchdb.user:$user",
                  body => { _id => "org.couchdb.user:$user", name => $user,
                            password => $pass, email => "$user\@example.com",
                            type => 'user', roles => [],
                            date => '2026-11-23T00:00:00.000Z' });
    my $d = json_of($res);
    die "adduser $user: " . $res->status_line . ' ' . $res->content
        unless $res->code == 201 && $d && $d->{token};
    return $d->{token};
}

sub publish {
    my ($base, $token, %o) = @_;
    (my $esc = $o{name}) =~ s{/}{%2f};
    return req(PUT => "$base$esc", token => $token,
               body => publish_body(%o));
}

sub t_var {
    return Apache::Test::vars('t_dir') . '/var';
}

sub data_dir {
    my $which = shift // 'registry';
    return t_var() . "/$which";
}

# Everything a refused request must leave as it was: the registry's figures,
# every file under the data directory but the database's own, and the
# packument of the package concerned.
sub store_state {
    my ($base, $pkg) = @_;
    my $meta = json_of(req(GET => $base));
    my @files;
    my $dir = data_dir();
    File::Find::find({ no_chdir => 1, wanted => sub {
        return unless -f $_;
        return if m{/db/};
        push @files, substr($_, length $dir) . ':' . (-s $_);
    } }, "$dir/tarballs", "$dir/tmp");
    my $doc = '';
    if ($pkg) {
        (my $esc = $pkg) =~ s{/}{%2f};
        $doc = req(GET => "$base$esc")->content;
    }
    return join "\n", "seq=$meta->{update_seq}", "docs=$meta->{doc_count}",
        "data=$meta->{data_size}", sort(@files), $doc;
}

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

# An npm environment of its own: user config and cache in t/var/npm-<tag>.
sub npm_env {
    my $tag = shift;
    my $home = t_var() . "/npm-$tag";
    File::Path::rmtree($home);
    File::Path::mkpath("$home/cache");
    open my $fh, '>', "$home/npmrc" or die $!;
    print $fh "update-notifier=false\nfund=false\naudit=false\n";
    close $fh;
    return { home => $home, userconfig => "$home/npmrc",
             cache => "$home/cache" };
}

# An npm environment (npm_env) already logged in to $registry with
# $token, as npm login leaves ~/.npmrc.
sub npm_token_env {
    my ($tag, $registry, $token) = @_;
    my $env = npm_env($tag);
    (my $hostpath = $registry) =~ s{^https?:}{};
    open my $fh, '>>', $env->{userconfig} or die "npmrc: $!";
    print $fh "$hostpath:_authToken=$token\n";
    close $fh;
    return $env;
}

# Run npm with that environment; returns (exit status, output).
sub run_npm {
    my ($env, $dir, @args) = @_;
    my $cmd = join ' ', map { quotemeta } 'npm', @args,
        "--userconfig=$env->{userconfig}", "--cache=$env->{cache}";
    my $out = `cd \Q$dir\E && HOME=\Q$env->{home}\E $cmd 2>&1`;
    return ($? >> 8, $out);
}

# npm adduser --auth-type=legacy, answering its prompts on a terminal as a
# person would (npm reads them from a TTY); without $email, npm login
# --auth-type=legacy (no Email prompt).  Returns (ok, transcript).
sub npm_adduser {
    my ($env, $registry, $user, $pass, $email) = @_;
    require Expect;
    local $ENV{HOME} = $env->{home};
    my $e = Expect->new;
    $e->raw_pty(1);
    $e->log_stdout(0);
    # Without colours: npm paints "npm error" with escapes between the
    # words, which the refusal's match below would then miss.
    $e->spawn('npm', defined $email ? 'adduser' : 'login',
              '--auth-type=legacy', '--color=false',
              "--registry=$registry", "--userconfig=$env->{userconfig}",
              "--cache=$env->{cache}") or return (0, "spawn: $!");
    my $ok = 1;
    my @steps = (['Username:', $user], ['Password:', $pass]);
    push @steps, ['Email', $email] if defined $email;
    for my $step (@steps) {
        if (!$e->expect(60, $step->[0])) {
            $ok = 0;
            last;
        }
        $e->send("$step->[1]\r");
    }
    # A refusal ends the run with npm's error: no need to wait it out.
    my $which = $ok ? $e->expect(60, 'Logged in', 'npm error') : undef;
    $ok &&= defined $which && $which == 1;
    my $text = ($e->before // '') . ($e->match // '') . ($e->after // '');
    if ($ok) {
        $e->soft_close;
        return (($e->exitstatus // 1) == 0, $text);
    }
    # After its error npm keeps waiting on the terminal and never exits
    # while the terminal is open: read up to the last line it prints (where
    # its log is), then close the terminal, which ends it.
    if ($text !~ /A complete log of this run/) {
        $e->expect(10, 'A complete log of this run');
        $text .= ($e->before // '') . ($e->match // '');
    }
    $e->hard_close;
    return (0, $text);
}

# npm's web login as npm starts it at the registry $at (POST /-/v1/login,
# {"create": true} for npm adduser), with extra request headers: returns
# (response, login URL, done URL).
sub web_start {
    my ($at, $create, %headers) = @_;
    my $res = req(POST => "${at}-/v1/login", headers => \%headers,
                  body => $create ? { create => JSON::PP::true() } : {});
    my $d = json_of($res) || {};
    return ($res, $d->{loginUrl}, $d->{doneUrl});
}

# The web login's form at $url, posted as a browser posts it, with
# %$fields (user, password, email) and extra request headers.
sub web_form {
    my ($url, $fields, %headers) = @_;
    my $u = URI->new('http:');
    $u->query_form(map { $_ => $fields->{$_} } sort keys %$fields);
    return req(POST => $url, body => $u->query,
               headers => { 'Content-Type' =>
                                'application/x-www-form-urlencoded',
                            %headers });
}

# The finish sub of a client started in the background ($me: pid, out):
# its exit status and output, waiting up to $limit seconds (90 by
# default), then killing it (status -1).
sub _finisher {
    my ($me, $limit) = @_;
    return sub {
        my $end = Time::HiRes::time() + ($limit // 90);
        while (!defined $me->{status} && Time::HiRes::time() < $end) {
            if (waitpid($me->{pid}, POSIX::WNOHANG()) == $me->{pid}) {
                $me->{status} = $?;
                last;
            }
            Time::HiRes::sleep(0.1);
        }
        if (!defined $me->{status}) {
            kill 'KILL', $me->{pid};
            waitpid $me->{pid}, 0;
            $me->{status} = -1;
        }
        return ($me->{status} == -1 ? -1 : $me->{status} >> 8,
                slurp($me->{out}));
    };
}

# npm login or npm adduser ($cmd) with no flags, the web flow, run in the
# background as a person runs it: no terminal, so npm prints where to
# sign in and polls the registry until someone has.  Returns a hash:
# url (a sub: the address npm printed, waiting up to 60 s for it; undef
# if it never came), finish (a sub: npm's exit status and output, waiting
# up to $limit seconds, 90 by default, then killing it), out (its output
# file).
sub npm_web_start {
    my ($env, $registry, $cmd, $limit) = @_;
    my $out = "$env->{home}/$cmd-web.out";
    unlink $out;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        $ENV{HOME} = $env->{home};
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec 'npm', $cmd, '--color=false', "--registry=$registry",
            "--userconfig=$env->{userconfig}", "--cache=$env->{cache}"
            or POSIX::_exit(127);
    }
    my $me = { pid => $pid, out => $out };
    $me->{url} = sub {
        for (1 .. 600) {
            my $text = slurp($out);
            return $1 if $text =~ /(?:Login|Create your account) at:\s*\n(https?:\S+)/;
            last if waitpid($pid, POSIX::WNOHANG()) == $pid
                    && (($me->{status} = $?), 1);
            Time::HiRes::sleep(0.1);
        }
        return undef;
    };
    $me->{finish} = _finisher($me, $limit);
    $me->{running} = sub {
        return 0 if defined $me->{status};
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            $me->{status} = $?;
            return 0;
        }
        return 1;
    };
    return $me;
}

# Headless Chromium, driven by puppeteer-core (installed by .ci/deps and
# .ci/clients), for the web login's page: undef when both are there, else
# what is missing.
sub browser_missing {
    my $chromium = $ENV{TSCI_CHROMIUM} || '/usr/bin/chromium';
    my $top = Apache::Test::vars('top_dir');
    my @missing;
    push @missing, $chromium unless -x $chromium;
    push @missing, 'puppeteer-core under clients/ (run .ci/clients)'
        unless -d "$top/clients/node_modules/puppeteer-core";
    return @missing ? join(', ', @missing) . ' missing' : undef;
}

# A person at the page $url: Chromium opens it, then for each attempt
# ({user, password, email}) fills the fields found by their labels and
# presses the button (t/lib/signin_browser.js says what it reports).
# Returns the report (a hash), or undef and the browser's complaint.
sub browser_signin {
    my ($url, @attempts) = @_;
    my $top = Apache::Test::vars('top_dir');
    my $t = Apache::Test::vars('t_dir');
    my $profile = t_var() . '/browser-profile';
    File::Path::rmtree($profile);
    local $ENV{NODE_PATH} = "$top/clients/node_modules";
    local $ENV{TSCI_BROWSER_PROFILE} = $profile;
    local $ENV{HOME} = t_var();
    my $cmd = join ' ', map { quotemeta } 'timeout', '120', 'node',
        "$t/lib/signin_browser.js", $url, $json->encode(\@attempts);
    my $out = `$cmd 2>&1`;
    my ($line) = $out =~ /^(\{.*\})\s*$/m;
    my $report = $line ? eval { $json->decode($line) } : undef;
    return ($report, $out);
}

# ---- Other npm clients (t/client/pnpm.t, yarn.t, bun.t) ----

# The path of a client's command ("pnpm", "yarn", "bun") where
# .ci/clients installs it, under the checkout's clients/, or undef when it
# is not there.
sub client_bin {
    my $name = shift;
    my $top = Apache::Test::vars('top_dir');
    my $bin = "$top/clients/node_modules/.bin/$name";
    return -x $bin ? $bin : undef;
}

# The condition for Apache::Test's plan of a file that runs the client:
#     plan tests => N, need_client('pnpm');
# True when it is installed.  Without it, in CI (CI set) the file fails,
# since a suite that quietly skips the clients proves nothing about them;
# elsewhere it is skipped with a reason that says how to install them.
sub need_client {
    my $name = shift;
    return 1 if client_bin($name);
    my $why = "$name is not installed under clients/ (run .ci/clients)";
    if ($ENV{CI}) {
        print "1..1\nnot ok 1 - $why\n";
        exit 1;
    }
    return Apache::Test::skip_reason($why);
}

sub slurp {
    my $path = shift;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

# A client's world of its own under t/var/client-<tag>: an empty home
# (its caches, stores and user config live there) and an empty project
# directory.  Returns { home, dir }.
sub client_env {
    my $tag = shift;
    my $root = t_var() . "/client-$tag";
    File::Path::rmtree($root);
    File::Path::mkpath(["$root/home", "$root/project"]);
    return { home => "$root/home", dir => "$root/project" };
}

# Where Bun keeps what it made of the scripts it ran.  Under a fresh HOME
# it would start over each time: tsci's 48 MB script takes 12 s to start
# without it, 6 s with it.  One in t/, kept between passes, serves every
# run (it holds no settings, only each script's transpiled form).
sub bun_cache {
    return Apache::Test::vars('top_dir') . '/t/bun-cache';
}

# Run a client in $env->{dir} with $env->{home} as its home, nothing of
# the caller's npm, Yarn or Bun settings in the environment, and a time
# limit.  Returns (exit status, output).
sub run_client {
    my ($env, @cmd) = @_;
    my $h = $env->{home};
    my %keep = map { $_ => $ENV{$_} } grep { !/^(npm_|NPM_|YARN_|BUN_|PNPM_)/ }
               keys %ENV;
    local %ENV = (%keep, HOME => $h, XDG_CONFIG_HOME => "$h/.config",
                  XDG_CACHE_HOME => "$h/.cache",
                  XDG_DATA_HOME => "$h/.local/share",
                  XDG_STATE_HOME => "$h/.local/state",
                  BUN_INSTALL_CACHE_DIR => "$h/.bun/install/cache",
                  BUN_RUNTIME_TRANSPILER_CACHE_PATH => bun_cache());
    my $cmd = join ' ', map { quotemeta } 'timeout', '90', @cmd;
    my $out = `cd \Q$env->{dir}\E && $cmd 2>&1 </dev/null`;
    return ($? >> 8, $out);
}

# An unscoped package and a scoped one that depends on it, version 1.0.0
# each, published over HTTP as npm publishes: returns their names.  Once
# installed, require(scoped)() says "lib+<dep>@1.0.0".
sub publish_pair {
    my ($base, $token, $tag) = @_;
    my $dep = unique("$tag-dep");
    # A scope is someone's: the token's user publishes in its own.
    my $me = json_of(req(GET => "${base}-/whoami", token => $token));
    die "publish_pair: whoami failed\n" unless $me && $me->{username};
    my $scoped = "\@$me->{username}/lib";
    for my $p ([$dep], [$scoped, extra => { dependencies => { $dep => '^1.0.0' } },
                        index => "module.exports = () => 'lib+' + require('$dep');\n"]) {
        my ($name, @o) = @$p;
        my $res = publish($base, $token, name => $name, version => '1.0.0', @o);
        die "publish $name: " . $res->status_line . ' ' . $res->content
            unless $res->code == 201;
    }
    return ($dep, $scoped);
}

# What require(scoped)() says in the project $dir, as node sees what a
# client installed there.
sub installed_says {
    my ($dir, $scoped) = @_;
    return `cd \Q$dir\E && node -e "console.log(require('$scoped')())" 2>&1`;
}

# The access log's lines that contain $needle (its format logs the user,
# %u, after the address).
sub log_lines {
    my $needle = shift;
    Time::HiRes::sleep(0.2);     # the log is written after the response
    my $log = Apache::Test::vars('t_logs') . '/access_log';
    open my $fh, '<', $log or return ();
    return grep { index($_, $needle) >= 0 } <$fh>;
}

# A package to publish with a client, in $dir: scoped, with the fields an
# install depends on (dependencies on $dep, bin, engines, an install
# script) and a README.md saying $readme.  Returns its package.json.
sub write_publishable {
    my ($dir, $name, $dep, $readme) = @_;
    my $pj = { name => $name, version => '1.0.0', main => 'index.js',
               license => 'MIT', description => 'published by a client',
               bin => { 'client-tool' => 'bin/tool.js' },
               dependencies => { $dep => '^1.0.0' },
               engines => { node => '>=18' },
               scripts => { postinstall => 'node index.js' } };
    File::Path::mkpath("$dir/bin");
    write_file("$dir/package.json", $json->encode($pj));
    write_file("$dir/index.js", "module.exports = 'tool';\n");
    write_file("$dir/bin/tool.js", "#!/usr/bin/env node\nconsole.log('tool');\n");
    write_file("$dir/README.md", $readme);
    return $pj;
}

# The checks of a packument after a client published $pj (from
# write_publishable) as $user to $base: what installs use is the
# tarball's package.json, the registry's user and digests, and links to
# this registry.  Returns the packument.  Runs 11 tests.
sub check_published {
    my ($base, $pj, $user) = @_;
    (my $esc = $pj->{name}) =~ s{/}{%2f};
    (my $file = $pj->{name}) =~ s{^\@[^/]+/}{};
    my $doc = json_of(req(GET => "$base$esc"));
    my $v = $doc && $doc->{versions}{'1.0.0'};
    Test::More::ok($v, 'the packument lists 1.0.0')
        or Test::More::diag(Test::More::explain($doc));
    $v ||= {};
    Test::More::is_deeply($v->{$_}, $pj->{$_}, "its $_")
        for qw(dependencies bin engines scripts);
    Test::More::ok($v->{hasInstallScript}, 'hasInstallScript, which the registry works out');
    Test::More::is($v->{_npmUser} && $v->{_npmUser}{name}, $user,
                   "_npmUser is the token's user");
    Test::More::is($v->{dist}{tarball}, "$base$pj->{name}/-/$file-1.0.0.tgz",
                   'dist.tarball on this registry');
    my $tgz = req(GET => $v->{dist}{tarball} // "${base}none")->content;
    Test::More::is($v->{dist}{integrity}, sri512($tgz),
                   "dist.integrity is the tarball's");
    Test::More::is($v->{dist}{shasum}, sha1_hex($tgz),
                   "dist.shasum is the tarball's");
    Test::More::is_deeply($doc->{'dist-tags'}, { latest => '1.0.0' },
                          'dist-tags');
    return $doc;
}

# "//host:port/path/" of a registry URL: how npm's .npmrc keys its
# credential lines.
sub npmrc_key {
    (my $u = shift) =~ s{^https?:}{};
    return $u;
}

# The path of a URL ("/npm/").
sub url_path {
    (my $u = shift) =~ s{^https?://[^/]+}{};
    return $u;
}

# How many requests "$method $path" the access log shows answered $status
# for the user $who ("-" for none): its format has %u after the address.
sub logged {
    my ($method, $path, $status, $who) = @_;
    return scalar grep {
        m{^\S+ \S+ \Q$who\E \[[^\]]*\] "\Q$method $path\E HTTP/1\.1" $status }
    } log_lines("$method $path ");
}

# The processes whose parent is $ppid (Apache's children), from /proc.
sub children_of {
    my $ppid = shift;
    my @kids;
    # One small read where the kernel offers it (Apache forks children
    # from its main thread), else a scan of every process.
    if (open my $c, '<', "/proc/$ppid/task/$ppid/children") {
        my $line = <$c> // '';
        return split ' ', $line;
    }
    for my $status (glob '/proc/[0-9]*/status') {
        open my $fh, '<', $status or next;
        my ($pid, $pp);
        while (<$fh>) {
            $pid = $1 if /^Pid:\s+(\d+)/;
            $pp = $1 if /^PPid:\s+(\d+)/;
        }
        push @kids, $pid if defined $pp && $pp == $ppid;
    }
    return @kids;
}

# The error log's lines saying a child died of a signal, after the line
# number $from: [pid, signal name, line].  Apache names them as strsignal
# does ("Killed", "Segmentation fault", "Aborted", "Bus error").
sub signal_deaths {
    my ($errlog, $from) = @_;
    my @deaths;
    open my $el, '<', $errlog or return;
    while (<$el>) {
        next if $from && $. <= $from;
        push @deaths, [$1, $2, $_] if /child pid (\d+) exit signal ([^(,]+?)\s*\(\d+\)/;
    }
    return @deaths;
}

# An Apache of a test's own, with the module under test: its own config,
# data directory and logs under t/var/<name>, its own port.  %o: name,
# port, conf (lines added to the config), mpm lines, datadir, wrap (a
# command line put before httpd, e.g. unshare), setup (shell run first in
# the same command, before httpd starts), db_config (the text of a
# DB_CONFIG file put in the environment's home first), foreground (run httpd with
# -DFOREGROUND in a process of ours, so that how its parent ended is
# known: exited (a sub) returns its wait status once it has ended).
# Returns a hash: base, dir, datadir, errlog, pidfile, pid (a sub), stop
# (a sub, always safe), up (it answered).
# A port for an Apache a test starts itself: n (0..4) above a band that
# follows the suite's own port, so that suites run side by side on other
# -port values never meet on a port.
sub spare_port {
    my ($n) = @_;
    die "spare_port: 0..4" if $n < 0 || $n > 4;
    return Apache::Test::vars('port') + 40 + $n;
}

# The main test server's store: true when the suite runs with -defines
# TSCI_DBD (t/TEST.PL), the SQL store through mod_dbd; else Berkeley DB.
sub on_dbd { return defined_for_suite('TSCI_DBD') }

# The main test server's MPM: true when the suite runs with -defines
# TSCI_PREFORK, prefork; else event.
sub on_prefork { return defined_for_suite('TSCI_PREFORK') }

sub defined_for_suite {
    my ($name) = @_;
    my $d = Apache::Test::vars('defines') // '';
    return " $d " =~ / \Q$name\E / ? 1 : 0;
}

# A condition for Apache::Test::plan (one of Apache::Test::need's: that
# plan takes one condition, the last of an odd list; and a file that uses
# Test::More after Apache::Test calls Test::More's plan, which asks none,
# unless it names Apache::Test's) for a test of Berkeley DB itself (its
# files, its recovery, its environment): false, saying $why, on the SQL
# store pass.
sub bdb_only {
    my ($why) = @_;
    return on_dbd() ? Apache::Test::skip_reason("Berkeley DB only: $why") : 1;
}

# The same for a test whose Apaches are all its own ($what: which), so
# that it runs the same whatever the main test server's store is: the
# Berkeley DB passes run it, the SQL store's pass skips it, saying so, to
# keep that pass short.
# A condition for a test whose Apaches are all its own (own_apache, always
# the event MPM, whatever the pass): the same on every pass, so it runs
# on the first one only (event, Berkeley DB) and says so on the others.
sub main_store_independent {
    my ($what) = @_;
    my $d = Apache::Test::vars('defines') // '';
    return " $d " =~ / TSCI_(DBD|PREFORK) /
        ? Apache::Test::skip_reason("uses only Apaches of its own ($what), "
                                    . "run by the event pass on Berkeley DB")
        : 1;
}

# The same for a test of what a client other than npm does (pnpm, Yarn,
# Bun, tsci on Bun: 6-12 s a start, a build on each push), not of the
# module's processes: the event passes run it, on both stores, and the
# prefork pass, which is there for the processes, skips it, saying so
# (npm's own tests run on every pass).
sub client_not_prefork {
    my ($what) = @_;
    return on_prefork()
        ? Apache::Test::skip_reason("$what: the client's side is the same "
                                    . "under every MPM, run by the event "
                                    . "passes")
        : 1;
}

# The administrator's tool on the main test server's store, as one shell
# word list (quoted): -d DATADIR, and on the SQL store pass --store dbd
# with the pass's connection string, as an administrator of such a
# registry runs it.
sub admin_cmd {
    my @w = (Apache::Test::vars('top_dir') . '/mod_tsci_registry/tsci-registry',
             '-d', data_dir());
    push @w, '--store', 'dbd', '--dbd-params', Apache::Test::vars('dbd_params')
        if on_dbd();
    return join ' ', map { quotemeta } @w;
}

sub own_apache {
    my (%o) = @_;
    my $cfg = Apache::Test::config();
    my $httpd = $cfg->{vars}{httpd};
    my $so = $cfg->{vars}{top_dir}
             . '/mod_tsci_registry/.libs/mod_tsci_registry.so';
    my $mods = -d '/usr/lib/apache2/modules' ? '/usr/lib/apache2/modules'
             : $cfg->{vars}{libexecdir};
    my $dir = t_var() . "/$o{name}";
    File::Path::rmtree($dir);
    File::Path::mkpath("$dir/logs");
    my $datadir = $o{datadir} // "$dir/data";
    my $mpm = $o{mpm} // "StartServers 1\nServerLimit 1\n"
        . "ThreadsPerChild 25\nMaxRequestWorkers 25\n"
        . "MinSpareThreads 1\nMaxSpareThreads 25\n";
    my $conf = "$dir/httpd.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh <<"EOC";
ServerRoot $dir
ServerName 127.0.0.1
PidFile $dir/logs/httpd.pid
DefaultRuntimeDir $dir/logs
ErrorLog $dir/logs/error_log
LogLevel notice
Listen 127.0.0.1:$o{port}
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule tsci_registry_module $so
$mpm
TsciRegistryDataDir $datadir
<Location /npm/>
    TsciRegistry On
    TsciRegistryAllowSignup On
</Location>
@{[ $o{conf} // '' ]}
EOC
    close $fh;
    if (defined $o{db_config}) {
        File::Path::mkpath("$datadir/db");
        open my $dc, '>', "$datadir/db/DB_CONFIG" or die "DB_CONFIG: $!";
        print $dc $o{db_config};
        close $dc;
    }
    my $me = { base => "http://127.0.0.1:$o{port}/npm/", dir => $dir,
               datadir => $datadir, errlog => "$dir/logs/error_log",
               pidfile => "$dir/logs/httpd.pid", port => $o{port} };
    $me->{pid} = sub {
        open my $p, '<', $me->{pidfile} or return;
        my $pid = <$p>;
        return $pid && $pid =~ /(\d+)/ ? $1 : undef;
    };
    # Stop it whatever state it is in: SIGTERM to the parent, then
    # SIGKILL to what is left of it and its children.
    $me->{stop} = sub {
        my $pid = $me->{pid}->() or return;
        return unless kill 0, $pid;
        my @kids = children_of($pid);
        kill 'TERM', $pid;
        for (1 .. 100) {
            last unless kill 0, $pid;
            last if $me->{exited} && defined $me->{exited}->();
            select undef, undef, undef, 0.1;
        }
        kill 'KILL', $pid, @kids, children_of($pid);
        unlink $me->{pidfile};
    };
    my $cmd = join ' ', ($o{setup} ? "$o{setup} && " : '') . 'exec',
        quotemeta($httpd), '-f', quotemeta($conf),
        $o{foreground} ? '-DFOREGROUND' : ('-k', 'start');
    $cmd = "$o{wrap} sh -c " . quotemeta($cmd) if $o{wrap};
    if ($o{foreground}) {
        # unshare and sh exec, so this pid ends up being httpd's parent.
        my $fg = fork // die "fork: $!";
        if ($fg == 0) {
            # A parent that dies of a signal leaves its core here, not in
            # the checkout.
            chdir $dir;
            open STDOUT, '>>', "$dir/logs/stdout";
            open STDERR, '>&', \*STDOUT;
            exec 'sh', '-c', $cmd or POSIX::_exit(127);
        }
        $me->{fg_pid} = $fg;
        $me->{exited} = sub {
            return $me->{status} if defined $me->{status};
            my $w = waitpid $fg, POSIX::WNOHANG();
            $me->{status} = $? if $w == $fg;
            return $me->{status};
        };
        my $stop = $me->{stop};
        $me->{stop} = sub {
            $stop->();
            if (!defined $me->{exited}->()) {
                kill 'KILL', $fg;
                waitpid $fg, 0;
                $me->{status} //= $?;
            }
        };
    }
    else {
        $me->{start_out} = `$cmd 2>&1`;
        $me->{start_rc} = $? >> 8;
    }
    my $ua = LWP::UserAgent->new(timeout => 2);
    for (1 .. 100) {
        my $r = $ua->get($me->{base});
        $me->{up} = 1, last if $r->code == 200;
        last if $me->{exited} && defined $me->{exited}->();
        select undef, undef, undef, 0.1;
    }
    return $me;
}

# Writers: $n processes publishing new packages for $seconds, each on a
# connection of its own; returns their pids.  Each writes "name sha1"
# of every acknowledged publish to "$log.<n>" when $log is given.  With
# shared => 1 they all publish new versions of one package, so their
# transactions wait for each other's locks.
sub start_writers {
    my (%o) = @_;
    my @pids;
    for my $w (1 .. $o{n}) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            my $ua = LWP::UserAgent->new(timeout => $o{timeout} // 20,
                                         keep_alive => 1);
            my $out;
            if ($o{log}) {
                open $out, '>>', "$o{log}.$w" or die $!;
                $out->autoflush(1);
            }
            my $end = Time::HiRes::time() + $o{seconds};
            my $n = 0;
            while (Time::HiRes::time() < $end) {
                my $name = sprintf '%s-%d-%d-%d', $o{prefix} // 'storm',
                                   $$, $w, $n++;
                my $version = '1.0.0';
                if ($o{shared}) {
                    $name = ($o{prefix} // 'storm') . '-shared';
                    $version = "1.$w$$.$n";
                }
                my $tgz = make_tarball(name => $name, version => $version,
                    index => "module.exports = $n;\n"
                             . ('x' x (500 * ($n % 20))));
                my $r = HTTP::Request->new(PUT => "$o{base}$name");
                $r->header(Authorization => "Bearer $o{token}");
                $r->header('Content-Type' => 'application/json');
                $r->content($json->encode(publish_body(name => $name,
                    version => $version, tarball => $tgz)));
                my $res = $ua->request($r);
                print $out "$name ", sha1_hex($tgz), "\n"
                    if $out && $res->is_success;
            }
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    return @pids;
}

# A reader: GETs $url on a fresh connection each time until $seconds
# have passed, writing "start end status" per request to $file (times
# from Time::HiRes).  Returns its pid.
sub start_reader {
    my ($url, $file, $seconds) = @_;
    my $pid = fork // die "fork: $!";
    return $pid if $pid;
    my $ua = LWP::UserAgent->new(timeout => 5, keep_alive => 0);
    open my $out, '>', $file or die "$file: $!";
    $out->autoflush(1);
    my $end = Time::HiRes::time() + $seconds;
    while (Time::HiRes::time() < $end) {
        my $t0 = Time::HiRes::time();
        my $r = $ua->get($url);
        # LWP makes up a 500 when the connection fails or times out.
        my $code = $r->code;
        $code = 599 if ($r->header('Client-Warning') // '') eq 'Internal response';
        printf $out "%.3f %.3f %d\n", $t0, Time::HiRes::time(), $code;
        Time::HiRes::sleep(0.02);
    }
    POSIX::_exit(0);
}

# What a reader saw: { gap => longest time in seconds without a 200
# answer (from the first request to the last), n => requests, ok => 200s,
# s5xx => 5xx answered by the server, failed => connections that got no
# answer, statuses => "code:count ..." }.
sub read_report {
    my $file = shift;
    my (%rep, %count, $last_ok, $first, $last);
    $rep{gap} = 0;
    open my $in, '<', $file or return { gap => 1e9, n => 0 };
    while (<$in>) {
        my ($t0, $t1, $code) = split;
        $first //= $t0;
        $last = $t1;
        $rep{n}++;
        $count{$code}++;
        if ($code == 200) {
            my $since = $last_ok // $first;
            $rep{gap} = $t1 - $since if $t1 - $since > $rep{gap};
            $last_ok = $t1;
        }
    }
    $rep{gap} = $last - ($last_ok // $first)
        if defined $last && $last - ($last_ok // $first) > $rep{gap};
    $rep{ok} = $count{200} // 0;
    $rep{s5xx} = 0;
    $rep{s5xx} += $count{$_} for grep { $_ >= 500 && $_ < 599 } keys %count;
    $rep{failed} = $count{599} // 0;
    $rep{statuses} = join ' ', map { "$_:$count{$_}" } sort keys %count;
    return \%rep;
}


# ---- tscircuit's CLI (t/client/tsci_login.t) ----

# Where .ci/clients installs tsci (@tscircuit/cli, with the tscircuit
# package's dependencies, under clients/tsci): its script, which Bun runs.
sub tsci_main {
    my $top = Apache::Test::vars('top_dir');
    return "$top/clients/tsci/node_modules/\@tscircuit/cli/dist/cli/main.js";
}

# undef when tsci and Bun are installed, else what is missing.
sub tsci_missing {
    my @missing;
    push @missing, 'tsci under clients/tsci' unless -f tsci_main();
    push @missing, 'bun under clients/' unless client_bin('bun');
    return @missing ? join(', ', @missing) . ' missing (run .ci/clients)'
                    : undef;
}

# A world of tsci's own (client_env) set up as spec/tscircuit-api.md 7.4
# says: its config.json, in a directory TSCIRCUIT_CONFIG_DIR names, points
# the CLI at the tscircuit API at $api (no other way exists), with %more
# keys.  Returns the environment with config_dir and config (the file).
sub tsci_env {
    my ($tag, $api, %more) = @_;
    my $env = client_env($tag);
    (my $url = $api) =~ s{/+$}{};
    $env->{config_dir} = "$env->{home}/tsci-config";
    $env->{config} = "$env->{config_dir}/config.json";
    File::Path::mkpath($env->{config_dir});
    write_file($env->{config},
               $json->encode({ registryApiUrl => $url, %more }));
    return $env;
}

# The environment tsci runs in: its config, non-interactive (CI=1, as
# its own tests run it), Bun's transpiler cache.
sub _tsci_vars {
    my $env = shift;
    return (TSCIRCUIT_CONFIG_DIR => $env->{config_dir}, CI => 1,
            BUN_RUNTIME_TRANSPILER_CACHE_PATH => bun_cache());
}

# Run tsci @args in $env (run_client's isolation and time limit):
# (exit status, output).
sub run_tsci {
    my ($env, @args) = @_;
    my %v = _tsci_vars($env);
    local @ENV{ keys %v } = values %v;
    return run_client($env, client_bin('bun'), tsci_main(), @args);
}

# tsci @args started in the background in $env, as a person runs it in a
# terminal (tsci login prints where to sign in and polls).  Returns a
# hash: wait_for (a sub: the first capture of $re in the output, waiting
# up to 60 s; undef if it never came), finish (a sub: exit status and
# output, waiting up to $limit seconds, 90 by default, then killing it).
sub tsci_start {
    my ($env, $limit, @args) = @_;
    my $out = "$env->{home}/tsci.out";
    unlink $out;
    my %v = _tsci_vars($env);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $h = $env->{home};
        @ENV{ keys %v } = values %v;
        @ENV{qw(HOME XDG_CONFIG_HOME XDG_CACHE_HOME)} =
            ($h, "$h/.config", "$h/.cache");
        chdir $env->{dir} or POSIX::_exit(127);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec client_bin('bun'), tsci_main(), @args or POSIX::_exit(127);
    }
    my $me = { pid => $pid, out => $out };
    $me->{wait_for} = sub {
        my $re = shift;
        for (1 .. 600) {
            return $1 if slurp($out) =~ $re;
            last if waitpid($pid, POSIX::WNOHANG()) == $pid
                    && (($me->{status} = $?), 1);
            Time::HiRes::sleep(0.1);
        }
        return undef;
    };
    $me->{finish} = _finisher($me, $limit);
    return $me;
}

1;
